import type { SyslogLine, TimeContext } from '../types.js';
import { parseLeadingTime } from './timestamp.js';

const HEADER = /^<(\d{1,3})>1 /;
const FIELD = /^(\S{1,255}) /;

/** Index just past the structured data starting at `from` (`-` or `[id k="v"]...`), or -1 if malformed. */
function skipStructuredData(text: string, from: number): number {
  if (text[from] === '-') return from + 1;
  let i = from;
  while (text[i] === '[') {
    i += 1;
    let inQuotes = false;
    for (; i < text.length; i += 1) {
      const c = text[i];
      if (inQuotes) {
        if (c === '\\') i += 1;
        else if (c === '"') inQuotes = false;
      } else if (c === '"') inQuotes = true;
      else if (c === ']') break;
    }
    if (i >= text.length) return -1;
    i += 1;
  }
  return i === from ? -1 : i;
}

/**
 * Parses RFC 5424 syslog: `<PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID SD [MSG]`, with `-` as the
 * nil value and an optional BOM before the message.
 */
export function parseRfc5424(line: string, time: TimeContext): SyslogLine | undefined {
  if (line.charCodeAt(0) !== 60) return undefined; // <
  const header = HEADER.exec(line);
  if (!header) return undefined;
  const pri = Number(header[1]);
  if (pri > 191) return undefined;
  let rest = line.slice(header[0].length);

  let timeMs = time.referenceMs;
  if (rest.startsWith('- ')) rest = rest.slice(2);
  else {
    const stamp = parseLeadingTime(rest, time);
    if (!stamp) return undefined;
    timeMs = stamp.timeMs;
    rest = rest.slice(stamp.end);
  }
  const fields: string[] = [];
  for (let n = 0; n < 4; n += 1) {
    const m = FIELD.exec(rest);
    if (!m) return undefined;
    fields.push(m[1] as string);
    rest = rest.slice(m[0].length);
  }
  const [host, app, procid] = fields as [string, string, string, string];
  const sdEnd = skipStructuredData(rest, 0);
  if (sdEnd < 0) return undefined;
  let message = rest.slice(sdEnd);
  if (message.startsWith(' ')) message = message.slice(1);
  if (message.startsWith('\uFEFF')) message = message.slice(1);

  const parsed: SyslogLine = {
    timeMs,
    program: app === '-' ? '' : app,
    message,
    facility: pri >> 3,
    severity: pri & 7,
  };
  if (host !== '-') parsed.host = host;
  if (/^\d{1,10}$/.test(procid)) parsed.pid = Number(procid);
  return parsed;
}
