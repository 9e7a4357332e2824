import type { TimeZone } from '../../zone.js';
import { parseClfTime } from './clf-time.js';

/**
 * The layout nginx and apache share for access logs:
 *
 *     [vhost[:port] ]client ident user [time] "request" status bytes[ "referer" "agent"][ more...]
 *
 * `common` stops after bytes, `combined` adds referer and agent, apache's `vhost_combined` puts
 * the virtual host first, and nginx setups often append fields (`"$http_x_forwarded_for"`),
 * which are tolerated and ignored. Read with indexOf and character tests rather than one big
 * regex: this runs on every line that is not syslog, so a line of another format must be
 * rejected within the first few characters, and no input can make it backtrack.
 */
export interface AccessRecord {
  /** `%v:%p` of apache's vhost_combined, when present. */
  vhost?: string;
  /** The client as written: an address, or a hostname when the server resolves them. */
  client: string;
  /** The authenticated user (`%u` / `$remote_user`), absent when `-`. */
  user?: string;
  timeMs: number;
  /** The request line as written between the quotes (log escapes kept). */
  request: string;
  status: number;
  /** The User-Agent, absent in `common` format and when `-`. */
  userAgent?: string;
}

/** Where the `[` of the timestamp may be at most: past it, the line is not an access log. */
const MAX_HEAD = 1024;
const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;

/** Index of the quote closing the quoted field that starts at `from`, skipping `\"`; -1 if none. */
function closingQuote(line: string, from: number): number {
  let at = line.indexOf('"', from);
  while (at >= 0) {
    let slashes = 0;
    for (let i = at - 1; i >= from && line.charCodeAt(i) === BACKSLASH; i -= 1) slashes += 1;
    if (slashes % 2 === 0) return at;
    at = line.indexOf('"', at + 1);
  }
  return -1;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The fields before the timestamp: `client ident user`, or `vhost client ident user`. */
function readHead(line: string, end: number, record: AccessRecord): boolean {
  const first = line.indexOf(' ');
  const second = line.indexOf(' ', first + 1);
  if (first <= 0 || second < 0 || second >= end) return false;
  const third = line.indexOf(' ', second + 1);
  let clientAt = 0;
  let clientEnd = first;
  let userAt = second + 1;
  // Four fields with the ident (`-` in practice) third: vhost_combined. Otherwise a fourth field
  // is a user name with a space in it.
  if (third < end && third === second + 2 && line.charCodeAt(second + 1) === 45) {
    clientAt = first + 1;
    clientEnd = second;
    userAt = third + 1;
    record.vhost = line.slice(0, first);
  }
  if (clientEnd <= clientAt) return false;
  record.client = line.slice(clientAt, clientEnd);
  if (userAt < end && !(userAt + 1 === end && line.charCodeAt(userAt) === 45)) {
    record.user = line.slice(userAt, end);
  }
  return true;
}

/** Reads an access-log line, or returns undefined quickly when it is not one. */
export function parseAccessLine(line: string, fallback: TimeZone): AccessRecord | undefined {
  const open = line.indexOf(' [');
  if (open <= 0 || open > MAX_HEAD || !isDigit(line.charCodeAt(open + 2))) return undefined;
  const stamp = parseClfTime(line, open + 2, fallback);
  if (!stamp || line.charCodeAt(stamp.end) !== SPACE || line.charCodeAt(stamp.end + 1) !== QUOTE)
    return undefined;

  const requestAt = stamp.end + 2;
  const requestEnd = closingQuote(line, requestAt);
  if (requestEnd < 0) return undefined;
  // Status: three digits after `" `.
  const s = requestEnd + 2;
  if (line.charCodeAt(requestEnd + 1) !== SPACE) return undefined;
  const c0 = line.charCodeAt(s);
  const c1 = line.charCodeAt(s + 1);
  const c2 = line.charCodeAt(s + 2);
  if (!isDigit(c0) || !isDigit(c1) || !isDigit(c2)) return undefined;
  const after = line.charCodeAt(s + 3);
  if (!Number.isNaN(after) && after !== SPACE) return undefined;

  const record: AccessRecord = {
    client: '',
    timeMs: stamp.timeMs,
    request: line.slice(requestAt, requestEnd),
    status: (c0 - 48) * 100 + (c1 - 48) * 10 + (c2 - 48),
  };
  if (!readHead(line, open, record)) return undefined;

  // Bytes, then the optional quoted referer and agent.
  const bytesEnd = line.indexOf(' ', s + 4);
  if (bytesEnd > 0 && line.charCodeAt(bytesEnd + 1) === QUOTE) {
    const refererEnd = closingQuote(line, bytesEnd + 2);
    if (
      refererEnd > 0 &&
      line.charCodeAt(refererEnd + 1) === SPACE &&
      line.charCodeAt(refererEnd + 2) === QUOTE
    ) {
      const agentEnd = closingQuote(line, refererEnd + 3);
      if (agentEnd > 0) {
        const agent = line.slice(refererEnd + 3, agentEnd);
        if (agent !== '-' && agent !== '') record.userAgent = agent;
      }
    }
  }
  return record;
}
