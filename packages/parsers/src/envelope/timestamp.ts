import { inferYearTime, monthIndex } from '../time.js';
import type { TimeContext } from '../types.js';
import type { TimeZone } from '../zone.js';

export interface LeadingTime {
  timeMs: number;
  /** Index just past the timestamp and the space after it. */
  end: number;
}

// Each form is anchored at the start and bounded: one linear attempt per form.
const BSD = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: (\d{4}))? /;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})? /;
/** Length of a plain BSD timestamp and its space: `Nov 20 00:46:44 `. */
const BSD_LENGTH = 16;

function fraction(text: string | undefined): number {
  return text === undefined ? 0 : Math.floor(Number(`0.${text}`) * 1000);
}

function zoneMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

function parseBsd(text: string, time: TimeContext): LeadingTime | undefined {
  const m = BSD.exec(text);
  if (!m) return undefined;
  const month = monthIndex(m[1] as string);
  if (month === undefined) return undefined;
  const [day, hh, mm, ss] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const timeMs =
    m[7] !== undefined
      ? time.zone.toUtc(Date.UTC(Number(m[7]), month, day, hh, mm, ss))
      : inferYearTime(month, day, hh, mm, ss, time.referenceMs, time.zone);
  return { timeMs: timeMs + fraction(m[6]), end: m[0].length };
}

function parseIso(text: string, time: TimeContext): LeadingTime | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const base = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  if (Number.isNaN(base)) return undefined;
  const utc = m[8] === undefined ? time.zone.toUtc(base) : base - zoneMinutes(m[8]) * 60_000;
  return { timeMs: utc + fraction(m[7]), end: m[0].length };
}

/** The last plain BSD timestamp read: logs come in bursts within one second. Results are never mutated. */
const last = {
  prefix: '',
  referenceMs: Number.NaN,
  zone: undefined as TimeZone | undefined,
  result: undefined as LeadingTime | undefined,
};

/**
 * Reads the timestamp a syslog-style line starts with: BSD (`Nov 20 00:46:44`, optionally with
 * fractions or a year), or ISO 8601 / RFC 3339 (`2026-11-20T00:46:44.123+01:00`, also with a space
 * instead of `T` and a comma before the fraction). Year-less times take the year from the context.
 */
export function parseLeadingTime(text: string, time: TimeContext): LeadingTime | undefined {
  const first = text.charCodeAt(0);
  if (first >= 65 && first <= 90) {
    const prefix = text.slice(0, BSD_LENGTH);
    if (prefix === last.prefix && time.referenceMs === last.referenceMs && time.zone === last.zone) {
      return last.result;
    }
    const result = parseBsd(text, time);
    if (result !== undefined && result.end === BSD_LENGTH) {
      last.prefix = prefix;
      last.referenceMs = time.referenceMs;
      last.zone = time.zone;
      last.result = result;
    }
    return result;
  }
  if (first >= 48 && first <= 57) return parseIso(text, time);
  return undefined;
}
