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

/** Parses `UTC`, `Z` or `+HH:MM`/`-HH:MM` into an offset in minutes east of UTC. */
export function parseOffsetMinutes(zone: string): number {
  if (zone === 'UTC' || zone === 'Z') return 0;
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (!match) throw new RangeError(`unsupported timezone "${zone}"`);
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
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
  offsetMinutes: number,
): number {
  const year = new Date(referenceMs).getUTCFullYear();
  const at = (y: number) => Date.UTC(y, month, day, hour, minute, second) - offsetMinutes * 60_000;
  const candidate = at(year);
  return candidate - referenceMs > FUTURE_TOLERANCE_MS ? at(year - 1) : candidate;
}
