import { inferYearTime, monthIndex } from '../time.js';

/** The parts of a BSD syslog line (RFC 3164 as written to /var/log/auth.log). */
export interface SyslogEnvelope {
  timeMs: number;
  host: string;
  program: string;
  pid?: number;
  message: string;
}

// Bounded classes and no nested quantifiers: linear on any input.
const CLASSIC =
  /^(?:<\d{1,3}>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\S{1,255}) ([^\s:[\]]{1,64})(?:\[(\d{1,10})\])?: ?/;
const ISO =
  /^(?:<\d{1,3}>)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) (\S{1,255}) ([^\s:[\]]{1,64})(?:\[(\d{1,10})\])?: ?/;

/**
 * Parses the syslog prefix of a line: classic `Nov 20 00:46:44 host prog[pid]: msg`, or the
 * ISO timestamp form rsyslog writes with high-precision timestamps. Returns undefined otherwise.
 */
export function parseRfc3164(
  line: string,
  referenceMs: number,
  offsetMinutes: number,
): SyslogEnvelope | undefined {
  const classic = CLASSIC.exec(line);
  if (classic) {
    const month = monthIndex(classic[1] as string);
    if (month === undefined) return undefined;
    const timeMs = inferYearTime(
      month,
      Number(classic[2]),
      Number(classic[3]),
      Number(classic[4]),
      Number(classic[5]),
      referenceMs,
      offsetMinutes,
    );
    return envelope(timeMs, classic[6], classic[7], classic[8], line.slice(classic[0].length));
  }
  const iso = ISO.exec(line);
  if (iso) {
    const timeMs = Date.parse(iso[1] as string);
    if (Number.isNaN(timeMs)) return undefined;
    return envelope(timeMs, iso[2], iso[3], iso[4], line.slice(iso[0].length));
  }
  return undefined;
}

function envelope(
  timeMs: number,
  host: string | undefined,
  program: string | undefined,
  pid: string | undefined,
  message: string,
): SyslogEnvelope {
  const result: SyslogEnvelope = { timeMs, host: host as string, program: program as string, message };
  if (pid !== undefined) result.pid = Number(pid);
  return result;
}
