import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1_000, KiB: 1_024, MB: 1_000_000, MiB: 1_048_576 };

const DURATION_TEXT = /^(\d{1,9})(ms|s|m|h|d)$/;
const SIZE_TEXT = /^(\d{1,12})(B|KB|KiB|MB|MiB)?$/;

/**
 * A duration written as `500ms`, `30s`, `10m`, `2h`, `7d`, or a number of milliseconds; parsed to ms.
 * One check with one message, rather than a union, so a bad value says what a good one looks like.
 */
export const Duration = z.unknown().transform((value, ctx): number => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const match = typeof value === 'string' ? DURATION_TEXT.exec(value) : null;
  if (match) return Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
  ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 10m, 2h or 7d' });
  return z.NEVER;
});

/** A size written as `64KiB`, `10MiB`, `1MB`, or a number of bytes; parsed to bytes. */
export const ByteSize = z.unknown().transform((value, ctx): number => {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const match = typeof value === 'string' ? SIZE_TEXT.exec(value) : null;
  if (match && Number(match[1]) > 0) return Number(match[1]) * (SIZE_UNITS[match[2] || 'B'] as number);
  ctx.addIssue({ code: 'custom', message: 'expected a size such as 65536, 64KiB or 10MiB' });
  return z.NEVER;
});

/** A TCP/UDP port; 0 asks the OS for a free one (tests use it). */
export const Port = z.coerce.number().int().min(0).max(65535);
