import type { EventFields, LineMatch, LineParser, TimeContext } from '../../types.js';
import type { TimeZone } from '../../zone.js';
import { parseApacheError } from './apache-error.js';
import { apacheErrorFields } from './apache-meaning.js';
import { parseNginxError } from './nginx-error.js';
import { nginxErrorFields } from './nginx-meaning.js';

export const APACHE_ERROR = 'apache.error';
export const NGINX_ERROR = 'nginx.error';

/**
 * The event fields of an apache or nginx error-log line, with its time when it has one.
 * `requireTime` is false for messages that came in a syslog envelope (apache's `ErrorLog
 * syslog` writes no time of its own). Never throws.
 */
export function readErrorLine(
  line: string,
  zone: TimeZone,
  requireTime: boolean,
): { timeMs?: number; fields: EventFields } | undefined {
  try {
    const apache = parseApacheError(line, zone, requireTime);
    if (apache) return { timeMs: apache.timeMs, fields: apacheErrorFields(apache) };
    const nginx = parseNginxError(line, zone);
    if (nginx) return { timeMs: nginx.timeMs, fields: nginxErrorFields(nginx) };
  } catch {
    // Nothing here should throw; a line that makes it is simply not read as an error log.
  }
  return undefined;
}

/** apache and nginx error logs, as files. The format tells the server apart; hints are not needed. */
export class ErrorLogParser implements LineParser {
  readonly datasets = [APACHE_ERROR, NGINX_ERROR] as const;

  parse(line: string, time: TimeContext): LineMatch | undefined {
    const read = readErrorLine(line, time.zone, true);
    if (!read || read.timeMs === undefined) return undefined;
    return { timeMs: read.timeMs, fields: read.fields };
  }
}
