import { monthIndex } from '../../time.js';
import type { TimeZone } from '../../zone.js';
import { type ErrorRecord, splitHostPort } from './error-record.js';

/**
 * apache's error log, 2.2 and 2.4 forms:
 *
 *     [Thu Jul 11 01:21:43 2013] [error] [client 1.2.3.4] user x not found: /
 *     [Sat Jul 20 21:37:32.266605 2013] [auth_basic:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01618: ...
 *
 * and, sent to syslog (`ErrorLog syslog`), the same without the timestamp. The time is local
 * time without a zone.
 */

const TIME =
  /^\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? (\d{4})\] /;
// `[level]` or `[module:level]`; apache 2.4 writes `[:error]` for messages of no module.
const LEVEL = /^\[(?:([\w.-]{0,40}):)?([a-z]{3,8}\d?)\] /;
const PID = /^\[pid \d{1,10}(?::tid \d{1,24})?\] /;
const AH_CODE = /^AH\d{5}: /;
const LEVELS = new Set(['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug']);

function isLevel(level: string): boolean {
  return LEVELS.has(level) || /^trace\d$/.test(level);
}

/** Reads `[client ...] ` or `[remote ...] ` at the start of `rest`: the address, and where it ends. */
function readClient(rest: string): { address: string; end: number } | undefined {
  const prefix = rest.startsWith('[client ') ? 8 : rest.startsWith('[remote ') ? 8 : 0;
  if (prefix === 0) return undefined;
  // A bracketed IPv6 address has its own `]`: the field ends at the `]` after it.
  const inner = rest.charCodeAt(prefix) === 91 ? rest.indexOf(']', prefix) + 1 : prefix;
  const close = rest.indexOf(']', inner);
  if (close < 0 || close - prefix > 300) return undefined;
  return { address: rest.slice(prefix, close), end: close + (rest.charCodeAt(close + 1) === 32 ? 2 : 1) };
}

/**
 * Reads one apache error-log line; `requireTime` is false for the message of a syslog line.
 * Undefined when the line is not one.
 */
export function parseApacheError(
  line: string,
  zone: TimeZone,
  requireTime: boolean,
): ErrorRecord | undefined {
  if (line.charCodeAt(0) !== 91 /* [ */) return undefined;
  let rest = line;
  let timeMs: number | undefined;
  const time = TIME.exec(rest);
  if (time) {
    const month = monthIndex(time[1] as string);
    if (month === undefined) return undefined;
    const millis = time[6] === undefined ? 0 : Math.floor(Number(`0.${time[6]}`) * 1000);
    timeMs = zone.toUtc(
      Date.UTC(
        Number(time[7]),
        month,
        Number(time[2]),
        Number(time[3]),
        Number(time[4]),
        Number(time[5]),
        millis,
      ),
    );
    rest = rest.slice(time[0].length);
  } else if (requireTime) {
    return undefined;
  }

  const level = LEVEL.exec(rest);
  if (!level || !isLevel(level[2] as string)) return undefined;
  const record: ErrorRecord = { server: 'apache', message: '', level: level[2] as string };
  if (level[1] !== undefined && level[1] !== '') record.module = level[1];
  if (timeMs !== undefined) record.timeMs = timeMs;
  rest = rest.slice(level[0].length);

  const pid = PID.exec(rest);
  if (pid) rest = rest.slice(pid[0].length);
  // `[client ...]` is the client; behind a proxy 2.4 may also write `[remote ...]` (the proxy's
  // address), which is kept only when there is no `[client]`.
  let fromClient = false;
  for (let fields = 0; fields < 2; fields += 1) {
    const client = readClient(rest);
    if (!client) break;
    const isClient = rest.startsWith('[client ');
    if (isClient || !fromClient) {
      const { host, port } = splitHostPort(client.address);
      record.client = host;
      if (port !== undefined) record.port = port;
      else delete record.port;
      fromClient = isClient;
    }
    rest = rest.slice(client.end);
  }
  const code = AH_CODE.exec(rest);
  record.message = code ? rest.slice(code[0].length) : rest;
  return record;
}
