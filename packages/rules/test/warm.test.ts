import { loadRuleFiles, RuleEngine } from '@bulwark/rules';
import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';

/** A small deterministic generator (xorshift), so that the events are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/**
 * Events of every kind the default pack reads, from a few hundred addresses (and a few keys that
 * are not IPv4 addresses), spread over hours of event time: keys and rows are made, swept, freed
 * and made again, which is what reading ahead guesses at.
 */
function events(count: number): SecurityEvent[] {
  const next = random(42);
  const start = Date.UTC(2026, 10, 21);
  const out: SecurityEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const n = Math.floor(next() * 300);
    const ip = n < 5 ? `2001:db8::${n}` : `198.51.${n >> 8}.${n & 255}`;
    const roll = next();
    const base = {
      '@timestamp': new Date(start + i * 2_000 + Math.floor(next() * 1_000)).toISOString(),
      'event.id': `e${i}`,
      message: '',
      'source.ip': ip,
    };
    if (roll < 0.6)
      out.push({
        ...base,
        'event.dataset': 'sshd',
        'bulwark.category': 'failed_login',
        'event.outcome': 'failure',
        'user.name': `u${Math.floor(next() * 12)}`,
      });
    else if (roll < 0.85)
      out.push({
        ...base,
        'event.dataset': 'nginx.access',
        'event.category': ['web'],
        'bulwark.category': 'other',
      });
    else if (roll < 0.95)
      out.push({
        ...base,
        'event.dataset': 'app',
        'bulwark.category': 'successful_login',
        'event.outcome': 'success',
        'user.name': `u${Math.floor(next() * 12)}`,
      });
    else
      out.push({
        ...base,
        'event.dataset': 'nginx.access',
        'event.category': ['web'],
        'bulwark.category': 'malicious_traffic',
        'bulwark.threat': [next() < 0.5 ? 'sqli' : 'sensitive_resource'],
      });
  }
  return out;
}

describe('reading state ahead of a run of events', () => {
  it('changes no result: batches as arrays (read ahead) and as iterables (not) give the same changes', () => {
    const all = events(20_000);
    const { rules } = loadRuleFiles([]);
    const options = { rules, updateEvery: 60_000, sweepEvery: 60_000, keepRecent: 100 };
    const ahead = new RuleEngine({ ...options, readAheadFrom: 0 });
    const plain = new RuleEngine(options);
    let changes = 0;
    for (let from = 0; from < all.length; from += 700) {
      const batch = all.slice(from, from + 700);
      const warmed = ahead.evaluate(batch);
      const unwarmed = plain.evaluate(
        (function* () {
          yield* batch;
        })(),
      );
      expect(warmed).toEqual(unwarmed);
      changes += warmed.length;
    }
    expect(changes).toBeGreaterThan(100);
    expect(ahead.stats()).toEqual(plain.stats());
  });
});
