import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { fromEventRow, toEventRow } from '../src/sqlite/event-rows.js';

const COLUMNS = ['@timestamp', 'event.id', 'event.dataset', 'bulwark.category', 'source.ip', 'user.name'];

/** What `doc` must equal: JSON.stringify of the event without its column fields. */
function reference(event: Record<string, unknown>): string {
  const rest: Record<string, unknown> = {};
  for (const key in event) if (!COLUMNS.includes(key)) rest[key] = event[key];
  return JSON.stringify(rest);
}

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

  it('leave out an own __proto__ field (from parsed JSON) of the body', () => {
    const event = JSON.parse(
      '{"@timestamp":"2026-11-21T10:00:00.000Z","event.id":"p","event.dataset":"app","bulwark.category":"other","__proto__":{"polluted":1},"message":"m"}',
    ) as SecurityEvent;
    expect(Object.keys(event)).toContain('__proto__');
    expect(toEventRow(event)[6]).toBe('{"message":"m"}');
  });
});
