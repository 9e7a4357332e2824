import type { TimeZone } from './zone.js';

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** Month index (0-11) of an English three-letter abbreviation, or undefined. */
export function monthIndex(abbrev: string): number | undefined {
  return MONTHS[abbrev];
}

/** How far ahead of the reference a year-less timestamp may lie before it is taken as last year's. */
const FUTURE_TOLERANCE_MS = 7 * 86_400_000;

/**
 * Epoch ms of a timestamp written without a year (RFC 3164 `Nov 20 00:46:44`). The year is the
 * reference's, unless that puts the time more than a week in the future: then it is the year
 * before (a December line read in January).
 */
export function inferYearTime(
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  referenceMs: number,
  zone: TimeZone,
): number {
  const year = new Date(referenceMs).getUTCFullYear();
  const at = (y: number) => zone.toUtc(Date.UTC(y, month, day, hour, minute, second));
  const candidate = at(year);
  return candidate - referenceMs > FUTURE_TOLERANCE_MS ? at(year - 1) : candidate;
}
