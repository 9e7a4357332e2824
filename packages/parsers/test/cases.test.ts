import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AppMapping, Classifier } from '@bulwark/parsers';
import { describe, expect, it } from 'vitest';

/**
 * One folder per case under test/cases: `input.log` (lines, classified in order by one
 * classifier), `expected.ndjson` (one JSON object per non-empty input line, matched as a subset of
 * that line's event; `{}` checks nothing) and an optional `case.json` with `source` (a format hint
 * given with every line), `received_at`, `timezone` and `app_mapping`. Adding a case is adding a folder.
 */
const CASES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');
const DEFAULT_RECEIVED_AT = '2026-11-23T00:00:00.000Z';

interface CaseOptions {
  source?: string;
  received_at?: string;
  timezone?: string;
  app_mapping?: AppMapping;
}

const nonEmpty = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('classifier cases', () => {
  const folders = readdirSync(CASES, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  it('has cases', () => {
    expect(folders.length).toBeGreaterThan(0);
  });
  for (const folder of folders) {
    it(folder.name, () => {
      const dir = path.join(CASES, folder.name);
      const optionsFile = path.join(dir, 'case.json');
      const options: CaseOptions = existsSync(optionsFile)
        ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as CaseOptions)
        : {};
      const lines = nonEmpty(readFileSync(path.join(dir, 'input.log'), 'utf8'));
      const expected = nonEmpty(readFileSync(path.join(dir, 'expected.ndjson'), 'utf8')).map(
        (line) => JSON.parse(line) as Record<string, unknown>,
      );
      expect(expected, 'one expectation per input line').toHaveLength(lines.length);
      const classifier = new Classifier({
        ...(options.timezone ? { timezone: options.timezone } : {}),
        ...(options.app_mapping ? { appMapping: options.app_mapping } : {}),
      });
      lines.forEach((line, index) => {
        const event = classifier.classify({
          line,
          id: `${folder.name}-${index + 1}`,
          received_at: options.received_at ?? DEFAULT_RECEIVED_AT,
          ...(options.source ? { source: options.source } : {}),
        });
        expect(event, `line ${index + 1}: ${line}`).toMatchObject(expected[index] as object);
      });
    });
  }
});
