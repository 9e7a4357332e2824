import type { TimeZone } from '../../zone.js';
import type { ErrorRecord } from './error-record.js';
import { splitHostPort } from './error-record.js';

/**
 * nginx's error log:
 *
 *     2012/04/09 11:53:29 [error] 2865#0: *66647 user "xyz": password mismatch, client: 192.0.43.10,
 *         server: www.example.com, request: "GET / HTTP/1.1", host: "www.example.com"
 *
 * The time is local time without a zone. nginx appends the context (`, client: ..., server: ...,
 * request: "..."`) after the message; text inside the message can be chosen by the client (a user
 * name, a URI), so the context taken is the last `, client: ` on the line, which nginx wrote.
 */

const HEAD =
  /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[([a-z]{3,6})\] \d{1,10}#\d{1,10}: (?:\*\d{1,20} )?/;
const CLIENT = ', client: ';
/** How many `, client: ` candidates are looked at, from the end of the line. */
const MAX_CANDIDATES = 8;

/**
 * Where nginx's own `, client: ` is: the last one whose address is followed by `, server: `, as
 * nginx always writes it (text the client chose may imitate it before or after), else the last.
 */
function clientField(line: string, from: number): number {
  let at = line.lastIndexOf(CLIENT);
  const last = at;
  for (let n = 0; n < MAX_CANDIDATES && at >= from; n += 1) {
    const comma = line.indexOf(',', at + CLIENT.length);
    if (comma > 0 && line.startsWith(', server: ', comma)) return at;
    at = at === 0 ? -1 : line.lastIndexOf(CLIENT, at - 1);
  }
  return last;
}

/** Reads one nginx error-log line, or returns undefined quickly when it is not one. */
export function parseNginxError(line: string, zone: TimeZone): ErrorRecord | undefined {
  const c = line.charCodeAt(0);
  if (c < 48 || c > 57 || line.charCodeAt(4) !== 47) return undefined;
  const head = HEAD.exec(line);
  if (!head) return undefined;
  const timeMs = zone.toUtc(
    Date.UTC(
      Number(head[1]),
      Number(head[2]) - 1,
      Number(head[3]),
      Number(head[4]),
      Number(head[5]),
      Number(head[6]),
    ),
  );
  const record: ErrorRecord = { server: 'nginx', timeMs, level: head[7] as string, message: '' };
  const clientAt = clientField(line, head[0].length);
  if (clientAt < head[0].length) {
    record.message = line.slice(head[0].length);
    return record;
  }
  record.message = line.slice(head[0].length, clientAt);
  const addressAt = clientAt + CLIENT.length;
  let addressEnd = line.indexOf(',', addressAt);
  if (addressEnd < 0) addressEnd = line.length;
  const { host, port } = splitHostPort(line.slice(addressAt, addressEnd).trim());
  if (host !== '') record.client = host;
  if (port !== undefined) record.port = port;
  const requestAt = line.indexOf(', request: "', addressEnd);
  if (requestAt >= 0) {
    const from = requestAt + 12;
    const end = line.indexOf('"', from);
    if (end > from) record.request = line.slice(from, end);
  }
  return record;
}
