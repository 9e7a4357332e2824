import { describe, expect, it } from 'vitest';
import { dailyWindowEnd, nextClockTime, zonedToUtc } from '../src/time/zoned.js';

describe('wall-clock time in a zone', () => {
  it('finds the next time of day, across daylight saving changes', () => {
    // Berlin leaves summer time on 2026-10-25 at 03:00 local.
    expect(nextClockTime(Date.parse('2026-10-24T07:00:00Z'), '08:00', 'Europe/Berlin')).toBe(
      Date.parse('2026-10-25T07:00:00Z'),
    );
    expect(nextClockTime(Date.parse('2026-10-24T05:00:00Z'), '08:00', 'Europe/Berlin')).toBe(
      Date.parse('2026-10-24T06:00:00Z'),
    );
    // Strictly after: at 08:00 exactly, the next is tomorrow's.
    expect(nextClockTime(Date.parse('2026-11-21T08:00:00Z'), '08:00', 'UTC')).toBe(
      Date.parse('2026-11-22T08:00:00Z'),
    );
    expect(nextClockTime(Date.parse('2026-11-21T12:00:00Z'), '09:30', 'America/New_York')).toBe(
      Date.parse('2026-11-21T14:30:00Z'),
    );
  });

  it('reads a skipped wall time as just after the gap', () => {
    // 2026-03-29 02:30 does not exist in Berlin (clocks jump from 02:00 to 03:00).
    expect(zonedToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin')).toBe(
      Date.parse('2026-03-29T01:30:00Z'),
    );
  });

  it('tells whether an instant is inside a daily window and when it ends', () => {
    expect(dailyWindowEnd(Date.parse('2026-11-21T23:00:00Z'), '22:00', '07:00', 'UTC')).toBe(
      Date.parse('2026-11-22T07:00:00Z'),
    );
    expect(dailyWindowEnd(Date.parse('2026-11-22T03:00:00Z'), '22:00', '07:00', 'UTC')).toBe(
      Date.parse('2026-11-22T07:00:00Z'),
    );
    expect(dailyWindowEnd(Date.parse('2026-11-22T12:00:00Z'), '22:00', '07:00', 'UTC')).toBeNull();
    expect(dailyWindowEnd(Date.parse('2026-11-22T12:30:00Z'), '12:00', '13:00', 'UTC')).toBe(
      Date.parse('2026-11-22T13:00:00Z'),
    );
    expect(dailyWindowEnd(Date.parse('2026-11-22T12:30:00Z'), '12:00', '12:00', 'UTC')).toBeNull();
  });
});
