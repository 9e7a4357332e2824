import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { seeded } from '../../../test/support/seeded.js';
import { fromEventRow, toEventRow } from '../src/sqlite/event-rows.js';

const COLUMNS = ['@timestamp', 'event.id', 'event.dataset', 'bulwark.category', 'source.ip', 'user.name'];

/**
 * What `doc` must equal: JSON.stringify of the event without its column fields, and with
 * `@timestamp` last when the ts column cannot spell it back.
 */
function reference(event: Record<string, unknown>): string {
  const rest: Record<string, unknown> = {};
  for (const key in event) if (!COLUMNS.includes(key)) rest[key] = event[key];
  const timestamp = event['@timestamp'] as string;
  if (new Date(Date.parse(timestamp)).toISOString() !== timestamp) rest['@timestamp'] = timestamp;
  return JSON.stringify(rest);
}

/** Text with the characters JSON writes escaped, and some it does not. */
const PIECES = [
  'a',
  'root',
  '"',
  '\\',
  '\n',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  '管',
  '😀',
  '\ud800',
  '\udfff',
  ',"x":',
  '}',
];

describe('event rows', () => {
  it('write the body as the JSON of the event without its column fields, whatever the values', () => {
    const event = {
      '@timestamp': '2026-11-21T10:00:00.000Z',
      'event.id': 'a',
      'event.dataset': 'sshd',
      'bulwark.category': 'failed_login',
      message: 'quote " backslash \\ newline \n tab \t nul \u0000 del \u007f é 管理者 😀',
      'lone.surrogate': 'x\ud800y',
      'process.pid': 4242,
      'source.port': 0,
      'float.value': -1.5e-7,
      'not.finite': Number.NaN,
      'infinite.value': Number.POSITIVE_INFINITY,
      'event.category': ['authentication', 'session'],
      'nested.object': { a: [1, { b: null }], c: 'd"e' },
      'flag.value': false,
      'null.value': null,
      'missing.value': undefined,
      'user.name': 'root',
    } as unknown as SecurityEvent;
    expect(toEventRow(event)[6]).toBe(reference(event as unknown as Record<string, unknown>));
  });

  it('keep a timestamp the ts column cannot spell back, and read every field back', () => {
    const event = {
      '@timestamp': '2026-11-21T11:00:00+01:00',
      'event.id': 'b',
      'event.dataset': 'app',
      'bulwark.category': 'other',
      message: 'm',
    } as SecurityEvent;
    const row = toEventRow(event);
    expect(JSON.parse(row[6])).toEqual({ '@timestamp': '2026-11-21T11:00:00+01:00', message: 'm' });
    const [id, ts, dataset, category, sourceIp, userName, doc] = row;
    expect(
      fromEventRow({ seq: 1, id, ts, dataset, category, source_ip: sourceIp, user_name: userName, doc }),
    ).toEqual(event);
  });

  it('write the body field by field exactly as JSON.stringify of a copy would, for any values', () => {
    const random = seeded(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const text = () => {
      let out = '';
      const n = Math.floor(random() * 6);
      for (let i = 0; i < n; i += 1) out += pick(PIECES);
      return out;
    };
    const value = (): unknown => {
      const roll = random();
      if (roll < 0.35) return text();
      if (roll < 0.45) return pick([0, -0, 7, -12.5, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY]);
      if (roll < 0.55) return [text()];
      if (roll < 0.6) return [text(), 3];
      if (roll < 0.65) return [];
      if (roll < 0.7) return pick([true, false, null, undefined]);
      if (roll < 0.75) return { nested: text(), list: [null, { deeper: text() }] };
      if (roll < 0.78) return () => 'a function';
      if (roll < 0.8) return pick([{ toJSON: () => undefined }, new Date(0), Symbol('s')]);
      return `plain ${Math.floor(random() * 1e6)}`;
    };
    for (let i = 0; i < 5000; i += 1) {
      const event: Record<string, unknown> = {
        '@timestamp': random() < 0.9 ? '2026-11-21T10:00:00.000Z' : '2026-11-21T11:00:00+01:00',
        'event.id': `id-${i}`,
        'event.dataset': 'sshd',
        'bulwark.category': 'failed_login',
      };
      const fields = Math.floor(random() * 8);
      for (let k = 0; k < fields; k += 1) {
        const name =
          random() < 0.8 ? pick(['message', 'host.name', 'source.port', 'event.category', '1']) : text();
        event[name] = value();
      }
      if (random() < 0.5) event['source.ip'] = text();
      const row = toEventRow(event as unknown as SecurityEvent);
      expect(row[6]).toBe(reference(event));
    }
  });

  it('leave out an own __proto__ field, as a copy into an object did', () => {
    const event = JSON.parse(
      '{"@timestamp":"2026-11-21T10:00:00.000Z","event.id":"p","event.dataset":"app","bulwark.category":"other","__proto__":{"polluted":1},"message":"m"}',
    ) as SecurityEvent;
    expect(Object.keys(event)).toContain('__proto__');
    expect(toEventRow(event)[6]).toBe('{"message":"m"}');
  });
});
