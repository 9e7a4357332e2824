/**
 * The zone of timestamps written without one. `toUtc` turns a wall-clock time (encoded as if it
 * were UTC, as `Date.UTC(...)` gives it) into the instant it names.
 */
export interface TimeZone {
  readonly name: string;
  toUtc(localMs: number): number;
}

const HOUR_MS = 3_600_000;
const CACHED_HOURS = 4096;

/** A fixed offset east of UTC, in minutes. */
export function fixedZone(offsetMinutes: number, name: string): TimeZone {
  const shift = offsetMinutes * 60_000;
  return { name, toUtc: (localMs) => localMs - shift };
}

/**
 * An IANA zone (`Europe/Berlin`), daylight saving included, through Intl. Offsets are cached per
 * hour of wall-clock time, so the cost is paid about once an hour of log, not once a line. A wall
 * time that a clock change skips or repeats takes the offset in force just before the change.
 */
export function ianaZone(name: string): TimeZone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  /** Offset (ms) of the zone at an instant: its wall clock minus UTC. */
  const offsetAt = (utcMs: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(utcMs))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      parts.year as number,
      (parts.month as number) - 1,
      parts.day as number,
      parts.hour as number,
      parts.minute as number,
      parts.second as number,
    );
    return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000));
  };
  const cache = new Map<number, number>();
  return {
    name,
    toUtc(localMs) {
      const hour = Math.floor(localMs / HOUR_MS);
      let offset = cache.get(hour);
      if (offset === undefined) {
        // Guess with the offset at the wall time read as UTC, then correct once with the offset at
        // the guessed instant: exact except across a change, where it keeps the earlier offset.
        const first = offsetAt(hour * HOUR_MS);
        offset = offsetAt(hour * HOUR_MS - first);
        if (cache.size >= CACHED_HOURS) cache.clear();
        cache.set(hour, offset);
      }
      return localMs - offset;
    },
  };
}

const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** `UTC`, `Z`, a fixed offset (`+02:00`) or an IANA zone name; throws RangeError on anything else. */
export function parseZone(text: string): TimeZone {
  if (text === 'UTC' || text === 'Z' || text === 'Etc/UTC') return fixedZone(0, 'UTC');
  const m = OFFSET.exec(text);
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3]);
    return fixedZone(m[1] === '-' ? -minutes : minutes, text);
  }
  try {
    return ianaZone(text);
  } catch {
    throw new RangeError(
      `unknown timezone "${text}" (expected UTC, an offset such as +02:00, or an IANA name)`,
    );
  }
}

export const UTC: TimeZone = fixedZone(0, 'UTC');
