import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Incident, IncidentWithEvidence, SecurityEvent } from '@bulwark/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bearer,
  eventually,
  getJson,
  KEYS,
  type RunningProcess,
  removeDir,
  ship,
  sshdFailures,
  startService,
  stopService,
  tempDir,
} from '../support/service.js';

interface IncidentPage {
  items: Incident[];
  next_cursor: string | null;
}

const ATTACKER = '203.0.113.5';

/** POSTs to /v1/logs declaring `length` bytes but sending only a few, and reads the early answer. */
function postDeclaringLength(
  url: string,
  length: number,
  auth: Record<string, string> = bearer(KEYS.ingest),
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'content-length': String(length), ...auth },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.write('x'.repeat(1024));
  });
}

async function bruteForceIncidents(url: string, ip = ATTACKER): Promise<Incident[]> {
  return (await getJson<IncidentPage>(url, `/v1/incidents?kind=brute_force&ip=${ip}`)).items;
}

describe('standalone service over HTTP', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(dataDir = tempDir('e2e'), env: Record<string, string> = {}): Promise<RunningProcess> {
    const service = await startService(dataDir, env);
    cleanup.push(() => removeDir(dataDir));
    cleanup.push(async () => {
      if (service.child.exitCode === null && service.child.signalCode === null) await stopService(service);
    });
    return service;
  }

  it('turns an sshd brute-force burst into exactly one open brute_force incident, visible over REST', async () => {
    const { url } = await start();
    const response = await ship(url, sshdFailures(ATTACKER, 8));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 8, rejected: 0, errors: [] });

    const [incident] = await eventually(async () => {
      const found = await bruteForceIncidents(url);
      return found.length > 0 && found[0]?.count === 8 ? found : undefined;
    });
    const all = await getJson<IncidentPage>(url, '/v1/incidents');
    expect(all.items).toHaveLength(1);
    expect(incident).toMatchObject({
      kind: 'brute_force',
      status: 'open',
      key: { 'source.ip': ATTACKER },
      count: 8,
      rule: 'brute_force_fast',
    });
    expect(incident?.first_seen).toMatch(/-11-22T10:00:00\.000Z$/);
    expect(incident?.last_seen).toMatch(/-11-22T10:00:07\.000Z$/);

    const detail = await getJson<IncidentWithEvidence>(url, `/v1/incidents/${incident?.id}`);
    expect(detail.evidence_events).toHaveLength(8);
    expect(detail.evidence_events.every((event) => event['source.ip'] === ATTACKER)).toBe(true);
    expect(detail.evidence_events[0]?.['bulwark.category']).toBe('failed_login');
  });

  it('folds a second burst from the same address into the open incident', async () => {
    const { url } = await start();
    expect((await ship(url, sshdFailures(ATTACKER, 6, 0))).status).toBe(202);
    const [first] = await eventually(async () => {
      const found = await bruteForceIncidents(url);
      return found[0]?.count === 6 ? found : undefined;
    });
    expect((await ship(url, sshdFailures(ATTACKER, 7, 120))).status).toBe(202);
    const after = await eventually(async () => {
      const found = await bruteForceIncidents(url);
      return found[0]?.count === 13 ? found : undefined;
    });
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(first?.id);
    expect(after[0]?.first_seen).toBe(first?.first_seen);
    expect(after[0]?.last_seen).toMatch(/T10:02:06\.000Z$/);
  });

  it('keeps every accepted event and incident across a SIGKILL', async () => {
    const dataDir = tempDir('kill');
    const first = await start(dataDir);
    expect((await ship(first.url, sshdFailures(ATTACKER, 6))).status).toBe(202);
    await eventually(async () => ((await bruteForceIncidents(first.url)).length === 1 ? true : undefined));
    // Accepted, then killed at once: evaluation of this batch may or may not have happened.
    const second = await ship(first.url, sshdFailures('198.51.100.7', 9, 30));
    expect(second.status).toBe(202);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const again = await start(dataDir);
    const events = await getJson<{ items: SecurityEvent[] }>(again.url, '/v1/events?limit=100');
    expect(events.items).toHaveLength(15);
    const incidents = await eventually(async () => {
      const found = (await getJson<IncidentPage>(again.url, '/v1/incidents')).items;
      return found.length === 2 ? found : undefined;
    });
    expect(incidents.map((incident) => [incident.key['source.ip'], incident.count]).sort()).toEqual([
      ['198.51.100.7', 9],
      [ATTACKER, 6],
    ]);
  });

  it('keeps the good lines of a batch with a malformed JSON line and names the bad one', async () => {
    const { url } = await start();
    const lines = sshdFailures(ATTACKER, 3).trim().split('\n');
    const body = [
      JSON.stringify({ message: lines[0] }),
      JSON.stringify({ message: lines[1], source: 'sshd' }),
      '{"message": "Nov 22 10:00:09 bastion sshd[1]: truncated',
      JSON.stringify(lines[2]),
      '',
    ].join('\n');
    const response = await ship(url, body, 'application/x-ndjson');
    expect(response.status).toBe(202);
    const answer = (await response.json()) as {
      accepted: number;
      rejected: number;
      errors: { line: number }[];
    };
    expect(answer.accepted).toBe(3);
    expect(answer.rejected).toBe(1);
    expect(answer.errors).toEqual([expect.objectContaining({ line: 3, code: 'BWK_ERR_MALFORMED_LINE' })]);
    const events = await getJson<{ items: SecurityEvent[] }>(url, `/v1/events?ip=${ATTACKER}`);
    expect(events.items).toHaveLength(3);
  });

  it('accepts gzip-encoded JSON arrays', async () => {
    const { url } = await start();
    const lines = sshdFailures(ATTACKER, 5).trim().split('\n');
    const body = gzipSync(JSON.stringify(lines.map((line) => ({ message: line }))));
    const response = await ship(url, body, 'application/json', { 'content-encoding': 'gzip' });
    expect(response.status).toBe(202);
    expect(((await response.json()) as { accepted: number }).accepted).toBe(5);
    await eventually(async () => ((await bruteForceIncidents(url))[0]?.count === 5 ? true : undefined));
  });

  it('answers 401, 403, 413, 415 and 400 with problem+json bodies', async () => {
    const { url } = await start();
    const unauthenticated = await fetch(`${url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: sshdFailures(ATTACKER, 1),
    });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await unauthenticated.json()).toMatchObject({ status: 401, code: 'BWK_ERR_UNAUTHORIZED' });

    const wrongKey = await fetch(`${url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...bearer('not-a-key-at-all-0000') },
      body: 'x',
    });
    expect(wrongKey.status).toBe(401);

    const readKeyIngesting = await fetch(`${url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...bearer(KEYS.read) },
      body: 'x',
    });
    expect(readKeyIngesting.status).toBe(403);
    expect(await readKeyIngesting.json()).toMatchObject({ code: 'BWK_ERR_FORBIDDEN' });

    // The server answers from the declared length and closes; a client still writing would see
    // EPIPE instead of the answer, so declare the size and send only the first bytes.
    const oversized = await postDeclaringLength(url, 10 * 1_048_576 + 1);
    expect(oversized.status).toBe(413);
    expect(JSON.parse(oversized.body)).toMatchObject({ status: 413, code: 'BWK_ERR_BODY_TOO_LARGE' });
    // Without a key the answer is 401 before any of the body is read.
    expect((await postDeclaringLength(url, 10 * 1_048_576 + 1, {})).status).toBe(401);

    const bomb = await ship(url, gzipSync(Buffer.alloc(11 * 1_048_576, 'a')), 'text/plain', {
      'content-encoding': 'gzip',
    });
    expect(bomb.status).toBe(413);

    const xml = await ship(url, '<log/>', 'application/xml');
    expect(xml.status).toBe(415);
    expect(await xml.json()).toMatchObject({ code: 'BWK_ERR_UNSUPPORTED_MEDIA_TYPE' });

    const notJson = await ship(url, '[{"message": ', 'application/json');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ code: 'BWK_ERR_MALFORMED_BODY' });

    const allBad = await ship(url, '{oops\n[1,2]\n', 'application/x-ndjson');
    expect(allBad.status).toBe(400);
    const allBadBody = (await allBad.json()) as { code: string; errors: { line: number }[] };
    expect(allBadBody.code).toBe('BWK_ERR_NO_LINE_ACCEPTED');
    expect(allBadBody.errors.map((error) => error.line)).toEqual([1, 2]);

    const badQuery = await fetch(`${url}/v1/incidents?kind=nonsense&limit=0`, { headers: bearer(KEYS.read) });
    expect(badQuery.status).toBe(400);
    expect(await badQuery.json()).toMatchObject({ code: 'BWK_ERR_INVALID_QUERY' });

    const missing = await fetch(`${url}/v1/incidents/inc_missing`, { headers: bearer(KEYS.read) });
    expect(missing.status).toBe(404);
  });

  it('serves health and readiness without a key, with security headers', async () => {
    const { url } = await start();
    const healthz = await fetch(`${url}/healthz`);
    expect(healthz.status).toBe(200);
    expect(healthz.headers.get('x-content-type-options')).toBe('nosniff');
    expect(healthz.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
