import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_PACK_FILE,
  decodeSnapshot,
  encodeSnapshot,
  type IncidentChange,
  latestIncidents,
  parseRuleFile,
  RuleEngine,
} from '@bulwark/rules';
import type { Incident, SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';

/**
 * One folder per case under test/cases: `events.ndjson` (events in arrival order; `event.id`,
 * `event.dataset` and `message` are filled in when absent), `expected.ndjson` (every incident the
 * events must raise, each a subset of one incident, matched by kind and key: no more, no fewer),
 * an optional `rules.yaml` (else the default pack) and an optional `case.json` (`lateness`).
 *
 * Every case is also run with a restart after every event: the engine's snapshot is encoded to
 * bytes, decoded into a fresh engine, and the rest evaluated. The incidents must not change.
 */
const CASES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');

interface CaseOptions {
  lateness?: number;
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

function readCase(dir: string) {
  const rulesFile = path.join(dir, 'rules.yaml');
  const rules = parseRuleFile(
    readFileSync(existsSync(rulesFile) ? rulesFile : DEFAULT_PACK_FILE, 'utf8'),
    existsSync(rulesFile) ? rulesFile : DEFAULT_PACK_FILE,
  );
  const optionsFile = path.join(dir, 'case.json');
  const options: CaseOptions = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {};
  const events = lines(readFileSync(path.join(dir, 'events.ndjson'), 'utf8')).map((line, index) => ({
    'event.id': `e${index + 1}`,
    'event.dataset': 'test',
    message: '',
    ...(JSON.parse(line) as Partial<SecurityEvent>),
  })) as SecurityEvent[];
  const expected = lines(readFileSync(path.join(dir, 'expected.ndjson'), 'utf8')).map(
    (line) => JSON.parse(line) as Partial<Incident>,
  );
  const engine = () =>
    new RuleEngine({
      rules: rules.rules,
      ...(rules.allow ? { allow: rules.allow } : {}),
      ...(options.lateness === undefined ? {} : { lateness: options.lateness }),
    });
  return { events, expected, engine };
}

function finalIncidents(changes: IncidentChange[]): Incident[] {
  return [...latestIncidents(changes).values()];
}

/** Evaluates with a restart after `split` events: the snapshot goes through bytes, as through a file. */
function runWithRestart(make: () => RuleEngine, events: SecurityEvent[], split: number): Incident[] {
  const first = make();
  const changes = first.evaluate(events.slice(0, split));
  const bytes = Buffer.concat(encodeSnapshot(first.snapshot()).map((piece) => Buffer.from(piece)));
  const second = make();
  second.restore(decodeSnapshot(new Uint8Array(bytes)).snapshot);
  changes.push(...second.evaluate(events.slice(split)));
  return finalIncidents(changes);
}

const sameKey = (a: Record<string, string>, b: Record<string, string> | undefined) =>
  b !== undefined && JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

describe('rule cases', () => {
  const folders = readdirSync(CASES, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  it('has cases', () => expect(folders.length).toBeGreaterThan(10));

  for (const folder of folders) {
    describe(folder.name, () => {
      const { events, expected, engine } = readCase(path.join(CASES, folder.name));
      const straight = finalIncidents(engine().evaluate(events));

      it('raises exactly the expected incidents', () => {
        const unmatched = [...straight];
        for (const want of expected) {
          const index = unmatched.findIndex(
            (got) =>
              got.kind === want.kind &&
              sameKey(got.key, want.key) &&
              (want.first_seen === undefined || got.first_seen === want.first_seen),
          );
          expect(
            index,
            `no incident like ${JSON.stringify(want)} in ${JSON.stringify(straight)}`,
          ).toBeGreaterThanOrEqual(0);
          expect(unmatched[index]).toMatchObject(want);
          unmatched.splice(index, 1);
        }
        expect(unmatched, 'incidents nobody expected').toEqual([]);
      });

      it('raises the same incidents with a restart after any event', () => {
        for (let split = 1; split < events.length; split += 1) {
          expect(runWithRestart(engine, events, split), `restart after event ${split}`).toEqual(straight);
        }
      });
    });
  }
});
