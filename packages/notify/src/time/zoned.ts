/**
 * Wall-clock arithmetic in an IANA time zone, through Intl: when is "07:00 in Europe/Berlin" next,
 * and is an instant inside a daily window such as 22:00–07:00. Pure: the instant is always given.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** Whether `name` is a time zone Intl knows (`UTC`, `Europe/Berlin`, ...). */
export function isTimeZone(name: string): boolean {
  try {
    formatFor(name);
    return true;
  } catch {
    return false;
  }
}

export interface WallTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock of `timeZone` at an instant. */
export function wallTime(utcMs: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatFor(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year as number,
    month: parts.month as number,
    day: parts.day as number,
    hour: parts.hour as number,
    minute: parts.minute as number,
    second: parts.second as number,
  };
}

/** The zone's offset (wall clock minus UTC) at an instant, in ms. */
function offsetAt(utcMs: number, timeZone: string): number {
  const wall = wallTime(utcMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time names in the zone. A time that a clock change skips is taken with
 * the offset in force before the change (so it lands just after the gap).
 */
export function zonedToUtc(
  wall: Pick<WallTime, 'year' | 'month' | 'day' | 'hour' | 'minute'>,
  timeZone: string,
): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const first = offsetAt(asUtc, timeZone);
  return asUtc - offsetAt(asUtc - first, timeZone);
}

/** `HH:MM` as minutes after midnight. */
export function minutesOfDay(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours as number) * 60 + (minutes as number);
}

/** The first instant strictly after `afterMs` at which the zone's clock reads `clock` (HH:MM). */
export function nextClockTime(afterMs: number, clock: string, timeZone: string): number {
  const target = minutesOfDay(clock);
  const today = wallTime(afterMs, timeZone);
  for (let days = 0; days <= 2; days += 1) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + days));
    const candidate = zonedToUtc(
      {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: Math.floor(target / 60),
        minute: target % 60,
      },
      timeZone,
    );
    if (candidate > afterMs) return candidate;
  }
  // Unreachable for real zones: some day within two has the time.
  return afterMs + 86_400_000;
}

/**
 * When the daily window `from`–`to` (HH:MM, `to` may be past midnight) that holds `atMs` ends, or
 * null when `atMs` is outside it. A window whose ends are equal is empty.
 */
export function dailyWindowEnd(atMs: number, from: string, to: string, timeZone: string): number | null {
  const start = minutesOfDay(from);
  const end = minutesOfDay(to);
  if (start === end) return null;
  const wall = wallTime(atMs, timeZone);
  const now = wall.hour * 60 + wall.minute;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  return inside ? nextClockTime(atMs, to, timeZone) : null;
}
