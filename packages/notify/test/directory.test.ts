import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChainDirectory, HttpDirectory, MapDirectory } from '@bulwark/notify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: http.Server;
let base = '';
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    seen.push(request.headers.authorization);
    const user = decodeURIComponent((request.url ?? '').split('/').pop() ?? '');
    if (user === 'down') {
      response.writeHead(503).end();
      return;
    }
    if (user === 'alice smith') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ profile: { mail: 'alice@example.com' } }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('directories', () => {
  it('asks an HTTP service, with a bearer token, reading a dotted field', async () => {
    const directory = new HttpDirectory({
      url: `${base}/users/{user}`,
      field: 'profile.mail',
      token: 'dir-token',
    });
    expect(await directory.lookup('alice smith')).toEqual({ state: 'found', email: 'alice@example.com' });
    expect(seen.at(-1)).toBe('Bearer dir-token');
    expect(await directory.lookup('bob')).toEqual({ state: 'missing' });
    expect(await directory.lookup('down')).toEqual({ state: 'unavailable', error: 'directory answered 503' });
  });

  it('asks the map first, then the service', async () => {
    const chain = new ChainDirectory([
      new MapDirectory({ bob: 'bob@example.com' }),
      new HttpDirectory({ url: `${base}/users/{user}`, field: 'profile.mail' }),
    ]);
    expect(await chain.lookup('bob')).toEqual({ state: 'found', email: 'bob@example.com' });
    expect(await chain.lookup('alice smith')).toEqual({ state: 'found', email: 'alice@example.com' });
    expect(await chain.lookup('down')).toMatchObject({ state: 'unavailable' });
    expect(await chain.lookup('carol')).toEqual({ state: 'missing' });
  });
});
