import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Incident } from '@bulwark/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLI,
  eventually,
  getJson,
  removeDir,
  ship,
  sshdFailures,
  startService,
  stopService,
  tempDir,
} from '../support/service.js';

const run = promisify(execFile);

function fastRule(threshold: number): string {
  return [
    'rules:',
    '  - name: brute_force_fast',
    '    kind: brute_force',
    '    type: threshold',
    '    filter: { bulwark.category: failed_login }',
    '    group_by: [source.ip]',
    '    window: 10m',
    `    threshold: ${threshold}`,
    '  - name: brute_force_slow',
    '    kind: brute_force',
    '    type: threshold',
    '    enabled: false',
    '    group_by: [source.ip]',
    '    window: 6h',
    '    threshold: 12',
    '',
  ].join('\n');
}

describe('rule files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  it('are reloaded by the running service when they change, keeping what was counted', async () => {
    const dir = tempDir('reload');
    dirs.push(dir);
    const rules = path.join(dir, 'rules.yaml');
    writeFileSync(rules, fastRule(10));
    writeFileSync(path.join(dir, 'bulwark.yaml'), 'rules:\n  files: [rules.yaml]\n');
    const service = await startService(dir, { BULWARK_CONFIG: path.join(dir, 'bulwark.yaml') });
    try {
      expect((await ship(service.url, sshdFailures('203.0.113.70', 6))).status).toBe(202);
      await eventually(async () => {
        const events = await getJson<{ items: unknown[] }>(service.url, '/v1/events?ip=203.0.113.70');
        return events.items.length === 6 ? true : undefined;
      });
      expect((await getJson<{ items: Incident[] }>(service.url, '/v1/incidents')).items).toEqual([]);

      writeFileSync(rules, fastRule(5));
      await eventually(async () =>
        service.stdout.some((line) => line.includes('rules reloaded')) ? true : undefined,
      );
      expect((await ship(service.url, sshdFailures('203.0.113.70', 1, 30))).status).toBe(202);
      const [incident] = await eventually(async () => {
        const page = await getJson<{ items: Incident[] }>(service.url, '/v1/incidents');
        return page.items.length > 0 ? page.items : undefined;
      });
      // The six failures counted before the reload still count.
      expect(incident).toMatchObject({ kind: 'brute_force', rule: 'brute_force_fast', count: 7 });

      // A broken edit is refused and the rules in force stay.
      writeFileSync(rules, 'rules:\n  - name: broken\n');
      await eventually(async () =>
        service.stdout.some((line) => line.includes('rules not reloaded')) ? true : undefined,
      );
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    } finally {
      await stopService(service);
    }
  });

  it('are checked by bulwark rules check, every problem with its line', async () => {
    const dir = tempDir('check');
    dirs.push(dir);
    const good = path.join(dir, 'good.yaml');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(good, fastRule(5));
    writeFileSync(
      bad,
      fastRule(5).replace('window: 10m', 'window: soon').replace('kind: brute_force', 'kind: nope'),
    );
    const ok = await run(process.execPath, [CLI, 'rules', 'check', good]);
    expect(ok.stdout).toMatch(/good\.yaml: ok, 2 rules/);
    const failure = await run(process.execPath, [CLI, 'rules', 'check', good, bad]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    const out = (failure as { stdout: string }).stdout;
    expect(out).toMatch(/bad\.yaml:3: rules\.0\.kind: /);
    expect(out).toMatch(/bad\.yaml:7: rules\.0\.window: expected a duration/);
  });
});
