import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1_000, KiB: 1_024, MB: 1_000_000, MiB: 1_048_576 };

/** A duration written as `500ms`, `30s`, `10m`, `2h`, `7d`, or a number of milliseconds; parsed to ms. */
export const Duration = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,9}(ms|s|m|h|d)$/, 'expected a duration such as 30s, 10m, 2h or 7d')
    .transform((text) => {
      const match = /^(\d+)(ms|s|m|h|d)$/.exec(text) as RegExpExecArray;
      return Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
    }),
]);

/** A size written as `64KiB`, `10MiB`, `1MB`, or a number of bytes; parsed to bytes. */
export const ByteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d{1,12}(B|KB|KiB|MB|MiB)?$/, 'expected a size such as 65536, 64KiB or 10MiB')
    .transform((text) => {
      const match = /^(\d+)([A-Za-z]*)$/.exec(text) as RegExpExecArray;
      return Number(match[1]) * (SIZE_UNITS[match[2] || 'B'] as number);
    }),
]);

/** A TCP/UDP port; 0 asks the OS for a free one (tests use it). */
export const Port = z.coerce.number().int().min(0).max(65535);
