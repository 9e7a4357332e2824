import type { SyslogLine, TimeContext } from '../types.js';
import { parseLeadingTime } from './timestamp.js';

const PRI = /^<(\d{1,3})>/;
// The usual shape after the timestamp, `host prog[pid]: `, read in one sticky match without slicing.
const CANONICAL = /([^\s:[\]]{1,255}) ([A-Za-z0-9_./-]{1,64})(?:\[(\d{1,10})\])?: /y;
// TAG[pid]: the tag may carry a parenthesised sub-name (`vsftpd(pam_unix)[15522]`).
const TAG = /^([A-Za-z0-9_./-]{1,64})(?:\([\w.-]{1,32}\))?(?:\[(\d{1,10})\])?(:?)$/;
const BRACKET_TAG = /^\[([A-Za-z0-9_./-]{1,64})\](:?)$/;

interface Tag {
  program: string;
  pid?: number;
  colon: boolean;
}

function readTag(token: string): Tag | undefined {
  let m = TAG.exec(token);
  if (m) {
    const tag: Tag = { program: m[1] as string, colon: m[3] === ':' };
    if (m[2] !== undefined) tag.pid = Number(m[2]);
    return tag;
  }
  m = BRACKET_TAG.exec(token);
  if (m) return { program: m[1] as string, colon: m[2] === ':' };
  return undefined;
}

function nextToken(text: string, from: number): { token: string; end: number } {
  const space = text.indexOf(' ', from);
  const end = space < 0 ? text.length : space;
  return { token: text.slice(from, Math.min(end, from + 300)), end };
}

/**
 * Parses BSD syslog as it is written to files and sent on the wire (RFC 3164), with the variants
 * seen in the field: an optional `<PRI>`, BSD or ISO timestamps, a missing hostname
 * (`Nov 23 21:50:19 sshd[8148]: ...`), a bracketed tag (`[sshd]:`), and a tag with no colon
 * (`proftpd[12345] host ...`). Returns undefined when the line does not start like syslog.
 */
export function parseRfc3164(line: string, time: TimeContext): SyslogLine | undefined {
  let rest = line;
  let facility: number | undefined;
  let severity: number | undefined;
  const pri = PRI.exec(rest);
  if (pri) {
    const value = Number(pri[1]);
    if (value > 191) return undefined;
    facility = value >> 3;
    severity = value & 7;
    rest = rest.slice(pri[0].length);
  }
  const stamp = parseLeadingTime(rest, time);
  if (!stamp) return undefined;
  // The usual shape, with or without <PRI>; anything else (no host, a bracketed or
  // parenthesised tag, no colon) takes the token by token reading below, which gives the same
  // result for the lines this matches.
  CANONICAL.lastIndex = (pri === null ? 0 : pri[0].length) + stamp.end;
  const canonical = CANONICAL.exec(line);
  if (canonical) {
    const parsed: SyslogLine = {
      timeMs: stamp.timeMs,
      host: canonical[1] as string,
      program: canonical[2] as string,
      message: line.slice(CANONICAL.lastIndex),
    };
    if (canonical[3] !== undefined) parsed.pid = Number(canonical[3]);
    if (facility !== undefined) parsed.facility = facility;
    if (severity !== undefined) parsed.severity = severity;
    return parsed;
  }
  rest = rest.slice(stamp.end);

  const first = nextToken(rest, 0);
  let host: string | undefined;
  let tag = first.token.endsWith(':') || first.token.startsWith('[') ? readTag(first.token) : undefined;
  let end = first.end;
  if (!tag) {
    host = first.token;
    const second = nextToken(rest, first.end + 1);
    tag = readTag(second.token);
    end = second.end;
    if (!tag) return undefined;
  }
  const message = rest.slice(Math.min(rest.length, end + 1));
  const parsed: SyslogLine = { timeMs: stamp.timeMs, program: tag.program, message };
  if (host !== undefined && host !== '') parsed.host = host;
  if (tag.pid !== undefined) parsed.pid = tag.pid;
  if (facility !== undefined) parsed.facility = facility;
  if (severity !== undefined) parsed.severity = severity;
  return parsed;
}

const JOURNAL = /^([A-Za-z0-9_.-]{1,255}) ([A-Za-z0-9_./-]{1,64})\[(\d{1,10})\]: /;

/**
 * journald's own records as some shippers forward them, with no timestamp: `host prog[pid]: msg`.
 * The time is the receive time.
 */
export function parseJournalRecord(line: string, time: TimeContext): SyslogLine | undefined {
  const m = JOURNAL.exec(line);
  if (!m) return undefined;
  return {
    timeMs: time.referenceMs,
    host: m[1] as string,
    program: m[2] as string,
    pid: Number(m[3]),
    message: line.slice(m[0].length),
  };
}
