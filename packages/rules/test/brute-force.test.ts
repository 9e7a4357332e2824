import { BruteForceRule, type IncidentChange, latestIncidents, RuleEngine } from '@bulwark/rules';
import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';

const BASE = Date.parse('2026-11-21T10:00:00Z');
const OPTIONS = { threshold: 5, windowMs: 600_000, quietMs: 1_800_000, highAt: 20 };

let counter = 0;
function failure(ip: string, atSeconds: number, user = 'root'): SecurityEvent {
  counter += 1;
  return {
    '@timestamp': new Date(BASE + atSeconds * 1000).toISOString(),
    'event.id': `e${counter}`,
    'event.dataset': 'sshd',
    'event.outcome': 'failure',
    'bulwark.category': 'failed_login',
    'source.ip': ip,
    'user.name': user,
    message: `failure ${counter}`,
  };
}

function run(rule: BruteForceRule, events: SecurityEvent[]): IncidentChange[] {
  const out: IncidentChange[] = [];
  for (const event of events) rule.evaluate(event, out);
  return out;
}

const at = (ip: string, seconds: number[]) => seconds.map((s) => failure(ip, s));

describe('brute_force', () => {
  it('raises nothing for threshold - 1 failures and opens at the threshold', () => {
    const rule = new BruteForceRule(OPTIONS);
    expect(run(rule, at('192.0.2.1', [0, 10, 20, 30]))).toEqual([]);
    const changes = run(rule, at('192.0.2.1', [40]));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      type: 'opened',
      incident: {
        kind: 'brute_force',
        severity: 'medium',
        key: { 'source.ip': '192.0.2.1' },
        count: 5,
        first_seen: '2026-11-21T10:00:00.000Z',
        last_seen: '2026-11-21T10:00:40.000Z',
      },
    });
    expect(changes[0]?.incident.evidence).toHaveLength(5);
  });

  it('counts only failures inside the window, measured on event time', () => {
    const rule = new BruteForceRule(OPTIONS);
    // Five failures spread over 601 s: never five within one 600 s window.
    expect(run(rule, at('192.0.2.2', [0, 150, 300, 450, 601]))).toEqual([]);
    // Exactly at the window edge (600 s apart) still counts.
    const edge = new BruteForceRule(OPTIONS);
    expect(run(edge, at('192.0.2.2', [0, 150, 300, 450, 600]))).toHaveLength(1);
  });

  it('ignores successes, other categories and events without an address', () => {
    const rule = new BruteForceRule(OPTIONS);
    const events = at('192.0.2.3', [0, 1, 2, 3, 4]).map((event, i) =>
      i === 4 ? { ...event, 'bulwark.category': 'successful_login' as const } : event,
    );
    const noIp = failure('x', 5);
    delete noIp['source.ip'];
    expect(run(rule, [...events, noIp])).toEqual([]);
  });

  it('absorbs further failures into the open incident and raises severity at high_at', () => {
    const rule = new BruteForceRule(OPTIONS);
    const changes = run(
      rule,
      at(
        '192.0.2.4',
        Array.from({ length: 20 }, (_, i) => i * 5),
      ),
    );
    const opened = changes.filter((c) => c.type === 'opened');
    expect(opened).toHaveLength(1);
    const last = changes[changes.length - 1];
    expect(last).toMatchObject({ type: 'updated', previousSeverity: 'medium' });
    expect(last?.incident).toMatchObject({ id: opened[0]?.incident.id, count: 20, severity: 'high' });
    expect(last?.incident.evidence).toHaveLength(20);
  });

  it('keys incidents per address and starts a new episode after the quiet period', () => {
    const rule = new BruteForceRule(OPTIONS);
    const first = run(rule, at('192.0.2.5', [0, 1, 2, 3, 4]));
    const other = run(rule, at('192.0.2.6', [0, 1, 2, 3, 4]));
    expect(other[0]?.incident.id).not.toBe(first[0]?.incident.id);
    // Within the quiet period: same incident.
    const sameEpisode = run(rule, at('192.0.2.5', [1_000]));
    expect(sameEpisode[0]).toMatchObject({
      type: 'updated',
      incident: { id: first[0]?.incident.id, count: 6 },
    });
    // After 30 quiet minutes: a fresh episode that must reach the threshold again.
    const later = run(rule, at('192.0.2.5', [3_000, 3_001, 3_002, 3_003]));
    expect(later).toEqual([]);
    const reopened = run(rule, at('192.0.2.5', [3_004]));
    expect(reopened[0]?.type).toBe('opened');
    expect(reopened[0]?.incident.id).not.toBe(first[0]?.incident.id);
  });

  it('places late events in event-time order', () => {
    const rule = new BruteForceRule(OPTIONS);
    const changes = run(rule, at('192.0.2.7', [40, 30, 20, 10, 0]));
    expect(changes[0]?.incident).toMatchObject({
      first_seen: '2026-11-21T10:00:00.000Z',
      last_seen: '2026-11-21T10:00:40.000Z',
      count: 5,
    });
  });

  it('gives the same incidents after a restart in the middle of a window as without one', () => {
    const seconds = [0, 10, 20, 30, 40, 50, 60];
    const events = at('192.0.2.8', seconds);

    const straight = new BruteForceRule(OPTIONS);
    const expected = latestIncidents(run(straight, events));

    const before = new BruteForceRule(OPTIONS);
    const firstHalf = run(before, events.slice(0, 3));
    // What a store would hold: the rows, serialised and read back.
    const persisted = JSON.parse(JSON.stringify(before.takeDirty())) as { key: string; state: unknown }[];
    const after = new BruteForceRule(OPTIONS);
    after.load(persisted);
    const secondHalf = run(after, events.slice(3));
    expect(latestIncidents([...firstHalf, ...secondHalf])).toEqual(expected);
  });

  it('forgets quiet addresses and reports them as deleted state', () => {
    const rule = new BruteForceRule({ ...OPTIONS, keepRecent: 1 });
    run(rule, at('192.0.2.9', [0]));
    rule.takeDirty();
    run(rule, at('192.0.2.10', [10_000]));
    expect(rule.size()).toBe(1);
    const rows = rule.takeDirty();
    expect(rows).toContainEqual({ rule: 'brute_force', key: '192.0.2.9', state: null });
  });

  it('keeps attacks under way when one line is stamped far in the future', () => {
    const rule = new BruteForceRule(OPTIONS);
    const changes = [
      ...run(rule, at('192.0.2.13', [0, 1, 2, 3, 4, 5])),
      ...run(rule, at('198.51.100.99', [50_400])), // a host whose clock is 14 hours ahead
      ...run(rule, at('192.0.2.13', [6, 7, 8, 9, 10, 11])),
    ];
    const latest = [...latestIncidents(changes).values()];
    expect(latest).toHaveLength(1);
    expect(latest[0]).toMatchObject({ key: { 'source.ip': '192.0.2.13' }, count: 12 });
  });

  it('does not credit failures of a closed episode to the next one', () => {
    const rule = new BruteForceRule({ ...OPTIONS, quietMs: 60_000 });
    const changes = run(rule, at('192.0.2.14', [0, 1, 2, 3, 4, 120, 121, 122, 123, 124, 700]));
    const latest = [...latestIncidents(changes).values()];
    expect(latest.map((incident) => incident.count)).toEqual([5, 5]);
  });

  it('holds no more than threshold failures per address, however long the attack', () => {
    const rule = new BruteForceRule(OPTIONS);
    run(
      rule,
      at(
        '192.0.2.15',
        Array.from({ length: 5_000 }, (_, i) => i),
      ),
    );
    const [row] = rule.takeDirty();
    const state = row?.state as { window: unknown[]; episode: { evidence: unknown[] } };
    expect(state.window.length).toBeLessThan(OPTIONS.threshold);
    expect(state.episode.evidence.length).toBeLessThanOrEqual(20);
  });

  it('derives the same id for the same rule, key and episode start', () => {
    const a = run(new BruteForceRule(OPTIONS), at('192.0.2.11', [0, 1, 2, 3, 4]));
    const b = run(new BruteForceRule(OPTIONS), at('192.0.2.11', [0, 1, 2, 3, 4]));
    expect(a[0]?.incident.id).toBe(b[0]?.incident.id);
    expect(a[0]?.incident.id).toMatch(/^inc_[0-9a-f]{24}$/);
  });
});

describe('RuleEngine', () => {
  it('builds the configured rules and skips disabled ones', () => {
    const settings = {
      brute_force: { enabled: true, threshold: 2, window: 60_000, quiet: 60_000, high_at: 10 },
    };
    expect(RuleEngine.fromSettings(settings).rules.map((r) => r.name)).toEqual(['brute_force']);
    expect(
      RuleEngine.fromSettings({ brute_force: { ...settings.brute_force, enabled: false } }).rules,
    ).toEqual([]);
    const changes = RuleEngine.fromSettings(settings).evaluate(at('192.0.2.12', [0, 1]));
    expect(changes.map((c) => c.type)).toEqual(['opened']);
  });
});
