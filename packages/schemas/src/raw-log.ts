import { z } from 'zod';

/** How a raw log reached Bulwark. */
export const Transport = z.enum(['http', 'syslog', 'file']);

/**
 * One line as it was received, before classification. `received_at` is wall-clock time at the door;
 * the classifier uses it only to complete timestamps that lack a year, never as event time when the
 * line carries its own.
 */
export const RawLog = z.object({
  line: z.string(),
  received_at: z.iso.datetime({ offset: true }),
  transport: Transport,
  /** Optional hint naming the format (`sshd`, `nginx.access`, ...); detection is automatic without it. */
  source: z.string().max(64).optional(),
  /** Address of the peer that sent it (HTTP client or syslog sender). */
  peer: z.string().optional(),
});
export type RawLog = z.infer<typeof RawLog>;
