import { decodeSnapshot, encodeSnapshot, latestIncidents, parseRuleFile, RuleEngine } from '@bulwark/rules';
import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';

const RULE = (threshold: number) =>
  parseRuleFile(
    `- name: failures
  kind: brute_force
  type: threshold
  filter: { bulwark.category: failed_login }
  group_by: [source.ip]
  window: 10m
  threshold: ${threshold}
`,
    'r.yaml',
  ).rules;

let n = 0;
function failure(ip: string, second: number): SecurityEvent {
  n += 1;
  return {
    '@timestamp': new Date(Date.UTC(2026, 10, 21, 10, 0, second)).toISOString(),
    'event.id': `e${n}`,
    'event.dataset': 'sshd',
    'bulwark.category': 'failed_login',
    'source.ip': ip,
    message: '',
  };
}

describe('RuleEngine', () => {
  it("keeps a rule's state when its file is edited and reloaded", () => {
    const engine = new RuleEngine({ rules: RULE(10) });
    expect(engine.evaluate([0, 1, 2, 3].map((s) => failure('192.0.2.1', s)))).toEqual([]);
    engine.replaceRules(RULE(5));
    const changes = engine.evaluate([failure('192.0.2.1', 4)]);
    expect(changes.map((c) => [c.type, c.incident.count])).toEqual([['opened', 5]]);
  });

  it('keeps incidents in progress across a reload', () => {
    const engine = new RuleEngine({ rules: RULE(2) });
    engine.evaluate([failure('192.0.2.2', 0), failure('192.0.2.2', 1)]);
    engine.replaceRules(RULE(3));
    expect(engine.evaluate([failure('192.0.2.2', 2)]).map((c) => [c.type, c.incident.count])).toEqual([
      ['updated', 3],
    ]);
  });

  it('keeps the first ten and the latest ten event ids as evidence, in changes and across a restore', () => {
    const engine = new RuleEngine({ rules: RULE(2) });
    const events = Array.from({ length: 57 }, (_, i) => failure('192.0.2.4', i));
    const ids = events.map((event) => event['event.id']);
    const expected = (count: number) => [...ids.slice(0, 10), ...ids.slice(count - 10, count)];
    const first = latestIncidents(engine.evaluate(events.slice(0, 45)));
    expect([...first.values()].map((incident) => incident.evidence)).toEqual([expected(45)]);
    const restored = new RuleEngine({ rules: RULE(2) });
    restored.restore(engine.snapshot());
    for (const [engineNow, label] of [
      [engine, 'live'],
      [restored, 'restored'],
    ] as const) {
      const later = latestIncidents(engineNow.evaluate(events.slice(45)));
      expect(
        [...later.values()].map((incident) => incident.evidence),
        label,
      ).toEqual([expected(57)]);
    }
  });

  it('holds no key forever: idle keys are swept as event time moves on', () => {
    const engine = new RuleEngine({ rules: RULE(5), keepRecent: 0, sweepEvery: 60_000 });
    engine.evaluate(Array.from({ length: 1000 }, (_, i) => failure(`10.0.${i >> 8}.${i & 255}`, 0)));
    expect(engine.stats().keys.failures).toBe(1000);
    engine.evaluate([failure('192.0.2.3', 3600)]);
    expect(engine.stats().keys.failures).toBe(1);
    // The swept keys are gone from what is persisted too.
    const restored = new RuleEngine({ rules: RULE(5) });
    restored.restore(engine.snapshot());
    expect(restored.stats().keys.failures).toBe(1);
  });

  it('does not let a host whose clock is hours ahead close incidents or make other events late', () => {
    const received = (event: SecurityEvent, second: number): SecurityEvent => ({
      ...event,
      'event.created': new Date(Date.UTC(2026, 10, 21, 10, 0, second)).toISOString(),
    });
    const engine = new RuleEngine({ rules: RULE(3), sweepEvery: 60_000 });
    const changes = [
      ...engine.evaluate([0, 1, 2].map((s) => received(failure('192.0.2.4', s), s))),
      // Received at second 3, stamped 14 hours ahead.
      ...engine.evaluate([received(failure('198.51.100.1', 50_400), 3)]),
      ...engine.evaluate([4, 5].map((s) => received(failure('192.0.2.4', s), s))),
    ];
    expect(engine.stats().late).toBe(0);
    const incidents = [...latestIncidents(changes).values()];
    expect(incidents.map((incident) => [incident.key['source.ip'], incident.count, incident.status])).toEqual(
      [['192.0.2.4', 5, 'open']],
    );
  });

  it('drops events later than the allowed lateness, counting them', () => {
    const engine = new RuleEngine({ rules: RULE(2), lateness: 60_000 });
    engine.evaluate([failure('192.0.2.5', 600), failure('192.0.2.6', 0), failure('192.0.2.6', 1)]);
    expect(engine.stats().late).toBe(2);
  });

  it('carries counted events across a restart when the bar was raised or lowered meanwhile', () => {
    const through = (engine: RuleEngine) =>
      decodeSnapshot(new Uint8Array(Buffer.concat(encodeSnapshot(engine.snapshot())))).snapshot;

    const before = new RuleEngine({ rules: RULE(5) });
    before.evaluate([0, 1, 2, 3].map((s) => failure('192.0.2.7', s)));
    const raised = new RuleEngine({ rules: RULE(6) });
    raised.restore(through(before));
    expect(raised.evaluate([failure('192.0.2.7', 4)])).toEqual([]);
    expect(raised.evaluate([failure('192.0.2.7', 5)]).map((c) => [c.type, c.incident.count])).toEqual([
      ['opened', 6],
    ]);

    const counting = new RuleEngine({ rules: RULE(10) });
    counting.evaluate([0, 1, 2, 3, 4, 5].map((s) => failure('192.0.2.8', s)));
    const lowered = new RuleEngine({ rules: RULE(5) });
    lowered.restore(through(counting));
    // The six counted before still count, as they do when a file is edited while running.
    expect(lowered.evaluate([failure('192.0.2.8', 6)]).map((c) => [c.type, c.incident.count])).toEqual([
      ['opened', 7],
    ]);
  });

  it('reads threshold rows of the layout before ids were interleaved with times', () => {
    const engine = new RuleEngine({ rules: RULE(12) });
    engine.evaluate([
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((s) => failure('192.0.2.9', s)),
      ...[0, 1].map((s) => failure('192.0.2.10', s)),
    ]);
    const snapshot = decodeSnapshot(
      new Uint8Array(Buffer.concat(encodeSnapshot(engine.snapshot()))),
    ).snapshot;
    // Back to the old layout: 11 times, then 5 ids of two columns, after the 4 columns every row starts with.
    const state = (snapshot.meta as { rules: { state: Record<string, unknown> }[] }).rules[0]?.state as {
      layout?: number;
      rows: { stride: number; high: number; chunks: number[] };
    };
    delete state.layout;
    const chunk = snapshot.parts[state.rows.chunks[0] as number] as Float64Array;
    const words = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length * 2);
    for (let row = 0; row < state.rows.high; row += 1) {
      const base = row * state.rows.stride;
      const now = words.slice(base * 2, (base + state.rows.stride) * 2);
      const time = (i: number) => 4 + (i < 5 ? i * 3 : 10 + i);
      for (let i = 0; i < 11; i += 1)
        words.set(now.subarray(time(i) * 2, time(i) * 2 + 2), (base + 4 + i) * 2);
      for (let j = 0; j < 5; j += 1)
        words.set(now.subarray((5 + j * 3) * 2, (5 + j * 3) * 2 + 4), (base + 15 + j * 2) * 2);
    }
    const restored = new RuleEngine({ rules: RULE(12) });
    restored.restore(snapshot);
    const next = [8, 9, 10, 11].map((s) => failure('192.0.2.9', s));
    const [expected, got] = [engine.evaluate(next), restored.evaluate(next)];
    expect(got.map((c) => [c.type, c.incident.count, c.incident.evidence])).toEqual(
      expected.map((c) => [c.type, c.incident.count, c.incident.evidence]),
    );
    expect(got.map((c) => c.type)).toEqual(['opened']);
  });

  it('refuses bytes that are not a snapshot', () => {
    expect(() => decodeSnapshot(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(/not a snapshot/);
    const pieces = encodeSnapshot(new RuleEngine({ rules: RULE(5) }).snapshot());
    const bytes = new Uint8Array(Buffer.concat(pieces));
    expect(() => decodeSnapshot(bytes.subarray(0, 12))).toThrow(/cut short/);
  });

  describe('held updates (updateEvery)', () => {
    const ESCALATING = parseRuleFile(
      `- name: failures
  kind: brute_force
  type: threshold
  filter: { bulwark.category: failed_login }
  group_by: [source.ip]
  window: 10m
  threshold: 2
  severity: medium
  escalate: { high: 6 }
`,
      'r.yaml',
    ).rules;
    const summary = (changes: ReturnType<RuleEngine['evaluate']>) =>
      changes.map((c) => [
        c.type,
        c.incident.count,
        c.incident.severity,
        c.type === 'updated' ? c.previousSeverity : null,
      ]);

    it('holds plain updates within the interval and reports them when asked, once', () => {
      const engine = new RuleEngine({ rules: ESCALATING, updateEvery: 60_000 });
      expect(summary(engine.evaluate([failure('192.0.2.9', 0), failure('192.0.2.9', 1)]))).toEqual([
        ['opened', 2, 'medium', null],
      ]);
      expect(engine.evaluate([failure('192.0.2.9', 2)])).toEqual([]);
      expect(engine.evaluate([failure('192.0.2.9', 3), failure('192.0.2.9', 4)])).toEqual([]);
      expect(summary(engine.reportHeld())).toEqual([['updated', 5, 'medium', 'medium']]);
      expect(engine.reportHeld()).toEqual([]);
    });

    it('never holds a rise in severity, and reports again once the interval has passed', () => {
      const engine = new RuleEngine({ rules: ESCALATING, updateEvery: 60_000 });
      engine.evaluate([0, 1, 2, 3, 4].map((s) => failure('192.0.2.10', s)));
      expect(summary(engine.evaluate([failure('192.0.2.10', 5)]))).toEqual([
        ['updated', 6, 'high', 'medium'],
      ]);
      expect(engine.evaluate([failure('192.0.2.10', 30)])).toEqual([]);
      expect(summary(engine.evaluate([failure('192.0.2.10', 66)]))).toEqual([['updated', 8, 'high', 'high']]);
      expect(engine.reportHeld()).toEqual([]);
    });

    it('reports the final count at close, and keeps what is held across a snapshot', () => {
      const engine = new RuleEngine({ rules: RULE(2), updateEvery: 60_000 });
      engine.evaluate([failure('192.0.2.11', 0), failure('192.0.2.11', 1)]);
      expect(engine.evaluate([failure('192.0.2.11', 2)])).toEqual([]);
      const restored = new RuleEngine({ rules: RULE(2), updateEvery: 60_000 });
      restored.restore(
        decodeSnapshot(new Uint8Array(Buffer.concat(encodeSnapshot(engine.snapshot())))).snapshot,
      );
      expect(summary(restored.reportHeld())).toEqual([['updated', 3, 'medium', 'medium']]);
      expect(engine.evaluate([failure('192.0.2.11', 3)])).toEqual([]);
      // Quiet for longer than the rule's quiet period (default) closes it, with every event counted.
      const closed = engine.evaluate([failure('192.0.2.99', 7200)]).filter((c) => c.type === 'closed');
      expect(closed.map((c) => c.incident.count)).toEqual([4]);
      expect(engine.reportHeld()).toEqual([]);
    });
  });
});
