import type { SyslogLine, TimeContext } from '../types.js';
import { parseJournalRecord, parseRfc3164 } from './rfc3164.js';
import { parseRfc5424 } from './rfc5424.js';

/** Any syslog shape Bulwark reads: RFC 5424, RFC 3164 and its variants, journald records. */
export function parseSyslog(line: string, time: TimeContext): SyslogLine | undefined {
  return parseRfc5424(line, time) ?? parseRfc3164(line, time) ?? parseJournalRecord(line, time);
}
