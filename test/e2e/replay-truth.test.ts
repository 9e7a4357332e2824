import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { compareSeverity, type Incident, type Severity } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { CLI, FIXTURES, removeDir, tempDir } from '../support/service.js';

const run = promisify(execFile);
const SAMPLE = path.join(FIXTURES, 'scenarios-sample');

interface Truth {
  expect: { id: string; kind: string; key: Record<string, string>; severity_at_least?: Severity }[];
  quiet: { key: Record<string, string>; kinds?: string[]; why: string }[];
}

const sameKey = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

describe('bulwark replay on the sample corpus', () => {
  it('raises every expected incident, nothing of medium or above for quiet keys, and no duplicate', async () => {
    const dir = tempDir('truth');
    try {
      // The corpus is two days in November 2026; its syslog lines carry no year.
      const { stdout } = await run(
        process.execPath,
        [CLI, 'replay', '--reference-time', '2026-11-23T00:00:00Z', path.join(SAMPLE, 'all.lines')],
        { cwd: dir, maxBuffer: 64 << 20 },
      );
      const incidents = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Incident);
      const truth = JSON.parse(readFileSync(path.join(SAMPLE, 'truth.json'), 'utf8')) as Truth;

      const missing = truth.expect.filter(
        (want) =>
          !incidents.some(
            (got) =>
              got.kind === want.kind &&
              sameKey(got.key, want.key) &&
              compareSeverity(got.severity, want.severity_at_least ?? 'low') >= 0,
          ),
      );
      expect(missing.map((want) => want.id)).toEqual([]);

      const loud = incidents.filter((got) =>
        truth.quiet.some(
          (quiet) =>
            sameKey(got.key, quiet.key) &&
            (quiet.kinds === undefined || quiet.kinds.includes(got.kind)) &&
            compareSeverity(got.severity, 'medium') >= 0,
        ),
      );
      expect(loud.map((got) => `${got.kind} ${JSON.stringify(got.key)} ${got.severity}`)).toEqual([]);

      const ids = incidents.map((got) => `${got.kind} ${JSON.stringify(Object.entries(got.key).sort())}`);
      const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
      expect(duplicates).toEqual([]);
    } finally {
      removeDir(dir);
    }
  });
});
