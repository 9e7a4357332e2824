import type { SecurityEvent } from '@bulwark/schemas';

/**
 * An event as a row of the `events` table: the values of INSERT_EVENT, in its order (an array, as it
 * is cheap to hand to another thread). The fields that have columns of their own (id, time, dataset,
 * category, source address, user) are left out of the JSON body, `doc`: a smaller row is a cheaper
 * insert, and the columns are what the queries filter on anyway.
 */
export type EventRow = [
  id: string,
  ts: number,
  dataset: string,
  category: string,
  sourceIp: string | null,
  userName: string | null,
  doc: string,
];

export const INSERT_EVENT =
  'INSERT INTO events (id, ts, dataset, category, source_ip, user_name, doc) VALUES (?, ?, ?, ?, ?, ?, ?)';

/** The fields that are columns: left out of `doc`. */
const COLUMN_FIELDS = new Set([
  '@timestamp',
  'event.id',
  'event.dataset',
  'bulwark.category',
  'source.ip',
  'user.name',
]);

/** The latest `@timestamp` converted (lines of a batch mostly share their second): a third of the cost. */
let lastTimestamp = '';
let lastTs = Number.NaN;
let lastCanonical = false;

/** The row for an event. `@timestamp` stays in `doc` when the `ts` column cannot give it back exactly. */
export function toEventRow(event: SecurityEvent): EventRow {
  const timestamp = event['@timestamp'];
  if (timestamp !== lastTimestamp) {
    lastTimestamp = timestamp;
    lastTs = Date.parse(timestamp);
    lastCanonical = new Date(lastTs).toISOString() === timestamp;
  }
  let doc = bodyOf(event);
  // Written with an offset, or without milliseconds: keep the sender's spelling.
  if (!lastCanonical)
    doc = `${doc.length === 2 ? '{' : `${doc.slice(0, -1)},`}"@timestamp":${JSON.stringify(timestamp)}}`;
  return [
    event['event.id'],
    lastTs,
    event['event.dataset'],
    event['bulwark.category'],
    event['source.ip'] ?? null,
    event['user.name'] ?? null,
    doc,
  ];
}

/** A character JSON.stringify writes as more than itself: quote, backslash, control, surrogate. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `"name":` for the field names seen so far (a few dozen in practice; bounded all the same). */
const NAME_TEXT = new Map<string, string>();
const MAX_NAMES = 1024;

/**
 * The pieces of the body being written, joined once at the end: one flat string, where appending
 * made a tree of small strings (three times the garbage, and a copy when it was posted to the
 * worker). Slots past the last body's pieces hold '' so that they add nothing to the join.
 */
const pieces: string[] = new Array<string>(64).fill('');
let piecesUsed = 0;

/**
 * `doc`: exactly what JSON.stringify writes for the event without its column fields, written here
 * field by field, with fewer instructions and less garbage than copying the fields into an object
 * to stringify (docs/BENCHMARKS.md, session 8): strings that need no escaping, numbers and
 * one-string arrays (`event.category`) are written directly; anything else goes through
 * JSON.stringify.
 */
function bodyOf(event: SecurityEvent): string {
  const fields = event as unknown as Record<string, unknown>;
  let n = 0;
  pieces[n++] = '{';
  for (const name in fields) {
    // An own `__proto__` (from parsed JSON) never made it into a copy: keep it out here too.
    if (COLUMN_FIELDS.has(name) || name === '__proto__') continue;
    const value = fields[name];
    const direct =
      typeof value === 'string' ||
      typeof value === 'number' ||
      (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string');
    // Anything else as JSON.stringify writes it, which leaves out what it gives no text for
    // (undefined, functions, symbols, a toJSON that returns undefined).
    const text = direct ? '' : (JSON.stringify(value) as string | undefined);
    if (text === undefined) continue;
    let nameText = NAME_TEXT.get(name);
    if (nameText === undefined) {
      nameText = `${JSON.stringify(name)}:`;
      if (NAME_TEXT.size < MAX_NAMES) NAME_TEXT.set(name, nameText);
    }
    if (n > 1) pieces[n++] = ',';
    pieces[n++] = nameText;
    if (typeof value === 'string') n = putString(n, value);
    else if (typeof value === 'number') pieces[n++] = Number.isFinite(value) ? `${value}` : 'null';
    else if (direct) {
      pieces[n++] = '[';
      n = putString(n, (value as string[])[0] as string);
      pieces[n++] = ']';
    } else pieces[n++] = text;
  }
  pieces[n++] = '}';
  for (let i = n; i < piecesUsed; i += 1) pieces[i] = '';
  piecesUsed = n;
  return pieces.join('');
}

/** Puts a string value's JSON at `n`; returns the next free slot. */
function putString(n: number, value: string): number {
  if (ESCAPED.test(value)) {
    pieces[n] = JSON.stringify(value);
    return n + 1;
  }
  pieces[n] = '"';
  pieces[n + 1] = value;
  pieces[n + 2] = '"';
  return n + 3;
}

/** Columns selected to rebuild an event (with its seq), in `fromEventRow`'s order. */
export const EVENT_COLUMNS = 'seq, id, ts, dataset, category, source_ip, user_name, doc';

/** The stored row as it is read back (EVENT_COLUMNS). */
export interface StoredEventRow {
  seq: number;
  id: string;
  ts: number;
  dataset: string;
  category: string;
  source_ip: string | null;
  user_name: string | null;
  doc: string;
}

/**
 * The event a row holds. Fields in `doc` win over the columns: rows written before schema 3 keep
 * every field in their body, and a `@timestamp` the column could not reproduce is kept there.
 */
export function fromEventRow(row: StoredEventRow): SecurityEvent {
  const event: Record<string, unknown> = {
    '@timestamp': new Date(row.ts).toISOString(),
    'event.id': row.id,
    'event.dataset': row.dataset,
    'bulwark.category': row.category,
  };
  if (row.source_ip !== null) event['source.ip'] = row.source_ip;
  if (row.user_name !== null) event['user.name'] = row.user_name;
  return Object.assign(event, JSON.parse(row.doc)) as SecurityEvent;
}
