import { monthIndex } from '../../time.js';
import type { TimeZone } from '../../zone.js';

/**
 * Reads the Common Log Format timestamp `20/Nov/2026:00:00:38 +0000` that both nginx
 * (`$time_local`) and apache (`%t`) write, starting at `at` (just after the `[`), by character
 * position: it has a fixed layout, and this runs on every access-log line.
 */

/** A CLF timestamp: its epoch ms, and the index just past its closing `]`. */
export interface ClfTime {
  timeMs: number;
  end: number;
}

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i += 1) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

/** Layout positions after the `[`: `dd/Mon/yyyy` is the first 11 characters. */
const DATE_LENGTH = 11;
/** The last date read and its midnight (UTC): a log's lines share a date for a whole day. */
let lastDate = '';
let lastMidnightMs = 0;

function midnightOf(text: string, at: number): number {
  if (lastDate !== '' && text.startsWith(lastDate, at)) return lastMidnightMs;
  if (text.charCodeAt(at + 2) !== 47 || text.charCodeAt(at + 6) !== 47) return Number.NaN;
  const month = monthIndex(text.slice(at + 3, at + 6));
  const day = digits(text, at, 2);
  const year = digits(text, at + 7, 4);
  if (month === undefined || !(day >= 1 && day <= 31)) return Number.NaN;
  const midnight = Date.UTC(year, month, day);
  if (Number.isNaN(midnight)) return Number.NaN;
  lastDate = text.slice(at, at + DATE_LENGTH);
  lastMidnightMs = midnight;
  return midnight;
}

/**
 * The timestamp at `at`, with its zone respected; a timestamp written without a zone
 * (`[20/Nov/2026:00:00:38]`) is in the `fallback` zone. Undefined when the text is not one.
 */
export function parseClfTime(text: string, at: number, fallback: TimeZone): ClfTime | undefined {
  if (
    text.charCodeAt(at + DATE_LENGTH) !== 58 ||
    text.charCodeAt(at + 14) !== 58 ||
    text.charCodeAt(at + 17) !== 58
  ) {
    return undefined;
  }
  const midnight = midnightOf(text, at);
  const hour = digits(text, at + 12, 2);
  const minute = digits(text, at + 15, 2);
  const second = digits(text, at + 18, 2);
  if (Number.isNaN(midnight) || !(hour <= 23 && minute <= 59 && second <= 60)) return undefined;
  // The seconds may be followed by a fraction (`.123`), then a zone, then `]`.
  let i = at + 20;
  let millis = 0;
  if (text.charCodeAt(i) === 46) {
    let scale = 100;
    i += 1;
    for (let n = 0; n < 9; n += 1, i += 1) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      millis += d * scale;
      scale /= 10;
    }
    millis = Math.floor(millis);
  }
  let offset: number | undefined;
  if (text.charCodeAt(i) === 32) {
    const sign = text.charCodeAt(i + 1);
    const zone = digits(text, i + 2, 4);
    if ((sign !== 43 && sign !== 45) || Number.isNaN(zone)) return undefined;
    const minutes = Math.floor(zone / 100) * 60 + (zone % 100);
    offset = sign === 45 ? -minutes : minutes;
    i += 6;
  }
  if (text.charCodeAt(i) !== 93) return undefined;
  const wall = midnight + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  const timeMs = offset === undefined ? fallback.toUtc(wall) : wall - offset * 60_000;
  return { timeMs, end: i + 1 };
}
