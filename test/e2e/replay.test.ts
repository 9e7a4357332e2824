import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Incident } from '@bulwark/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  eventually,
  FIXTURES,
  getJson,
  type RunningProcess,
  removeDir,
  ship,
  startService,
  stopService,
  tempDir,
} from '../support/service.js';

const run = promisify(execFile);
const SAMPLE_LINES = path.join(FIXTURES, 'scenarios-sample/all.lines');
const FIELDS = [
  'id',
  'kind',
  'severity',
  'status',
  'key',
  'first_seen',
  'last_seen',
  'count',
  'summary',
  'rule',
];

function pick(incident: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(FIELDS.map((field) => [field, incident[field]]));
}

const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.id).localeCompare(String(b.id));

describe('bulwark replay', () => {
  let dataDir: string;
  let service: RunningProcess;

  beforeAll(async () => {
    dataDir = tempDir('replay');
    service = await startService(dataDir);
  });
  afterAll(async () => {
    await stopService(service);
    removeDir(dataDir);
  });

  it('prints one JSON incident per line with the stable fields', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'replay', SAMPLE_LINES], { cwd: dataDir });
    const incidents = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(incidents.length).toBeGreaterThan(0);
    for (const incident of incidents) expect(Object.keys(incident)).toEqual(FIELDS);
    expect(new Set(incidents.map((incident) => incident.kind))).toContain('brute_force');
    expect(incidents.map((incident) => (incident.key as Record<string, string>)['source.ip'])).toContain(
      '103.239.126.99',
    );
  });

  it('gives the same incidents as shipping the same file over HTTP', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'replay', SAMPLE_LINES], { cwd: dataDir });
    const replayed = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .sort(byId);

    const response = await ship(service.url, readFileSync(SAMPLE_LINES));
    expect(response.status).toBe(202);
    const lines = readFileSync(SAMPLE_LINES, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    expect(((await response.json()) as { accepted: number }).accepted).toBe(lines);

    const live = await eventually(async () => {
      const page = await getJson<{ items: Incident[] }>(service.url, '/v1/incidents?limit=500');
      const found = page.items.map((incident) => pick(incident)).sort(byId);
      return JSON.stringify(found) === JSON.stringify(replayed) ? found : undefined;
    }, 15_000).catch(async () => {
      const page = await getJson<{ items: Incident[] }>(service.url, '/v1/incidents?limit=500');
      return page.items.map((incident) => pick(incident)).sort(byId);
    });
    expect(live).toEqual(replayed);
  });

  it('fails with a clear message on a missing file', async () => {
    const failure = await run(process.execPath, [CLI, 'replay', path.join(dataDir, 'nope.log')], {
      cwd: dataDir,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/nope\.log/);
  });
});
