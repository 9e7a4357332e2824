import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Classifier } from '@bulwark/parsers';
import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';

/**
 * The access log of the sample corpus, checked against its truth file: customers searching for
 * `select a chair` or `O'Brien` and the health checker are never malicious traffic, and the
 * probing, injecting and scanning attackers always are, with the threats they carry.
 */
const FIXTURES = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../test/fixtures/scenarios-sample',
);

interface Truth {
  quiet: { key: Record<string, string>; why: string }[];
  expect: { id: string; key: Record<string, string> }[];
}

const truth = JSON.parse(readFileSync(path.join(FIXTURES, 'truth.json'), 'utf8')) as Truth;
const lines = readFileSync(path.join(FIXTURES, 'access.log'), 'utf8')
  .split('\n')
  .filter((line) => line !== '');
const classifier = new Classifier();
const events = lines.map((line, i) =>
  classifier.classify({ line, received_at: '2026-11-23T00:00:00.000Z', id: `s${i}` }),
);
const from = (ip: string | undefined) => events.filter((event) => event['source.ip'] === ip);
const attacker = (id: string) => truth.expect.find((entry) => entry.id === id)?.key['source.ip'];
const threats = (list: SecurityEvent[]) => new Set(list.flatMap((event) => event['bulwark.threat'] ?? []));

describe('sample corpus access log', () => {
  it('reads every line as an access-log line', () => {
    expect(events.every((event) => event['event.dataset'] === 'nginx.access')).toBe(true);
  });

  it('never flags the customers or the office health checker', () => {
    const quiet = truth.quiet.filter((entry) =>
      /customer browsing|office NAT and a health checker/.test(entry.why),
    );
    expect(quiet.length).toBeGreaterThan(10);
    for (const entry of quiet) {
      const own = from(entry.key['source.ip']);
      expect(own.length, entry.key['source.ip']).toBeGreaterThan(0);
      expect(
        own
          .filter((event) => event['bulwark.category'] === 'malicious_traffic')
          .map((e) => e['url.original']),
      ).toEqual([]);
    }
  });

  it('flags every request of the sensitive-resource prober (S9)', () => {
    const own = from(attacker('S9'));
    expect(own.length).toBe(10);
    for (const event of own) {
      expect(event['bulwark.category']).toBe('malicious_traffic');
      expect(event['bulwark.threat']).toEqual(expect.arrayContaining(['sensitive_resource', 'scanner']));
    }
  });

  it.each([
    ['S10', 'sqli'],
    ['S11', 'xss'],
    ['S12', 'path_traversal'],
  ])('flags every request of the injection attacker %s as %s', (id, threat) => {
    const own = from(attacker(id));
    expect(own.length).toBeGreaterThan(3);
    for (const event of own) {
      expect(event['bulwark.category'], event['url.original']).toBe('malicious_traffic');
      expect(event['bulwark.threat'], event['url.original']).toContain(threat);
    }
  });

  it('flags every request from a scanner agent as scanner traffic', () => {
    const scanning = events.filter((event) => /zgrab|sqlmap/.test(event['user_agent.original'] ?? ''));
    expect(scanning.length).toBe(13);
    expect(scanning.every((event) => event['bulwark.threat']?.includes('scanner'))).toBe(true);
  });

  it('flags nothing else', () => {
    const attackers = new Set(['S9', 'S10', 'S11', 'S12'].map(attacker));
    const others = events.filter(
      (e) => !attackers.has(e['source.ip']) && e['bulwark.category'] === 'malicious_traffic',
    );
    expect(others).toEqual([]);
    expect([...threats(events)].sort()).toEqual([
      'path_traversal',
      'scanner',
      'sensitive_resource',
      'sqli',
      'xss',
    ]);
  });
});
