import { BulwarkError, Errors } from '@bulwark/errors';
import { IncidentKind, IncidentStatus, normaliseIp, Severity } from '@bulwark/schemas';
import { z } from 'zod';

const time = z.iso.datetime({ offset: true });
const limit = z.coerce.number().int().min(1).max(500).default(50);
const text = z.string().min(1).max(256);
/** Addresses are matched in their normalised form, however the client spells them. */
const ip = text.transform(normaliseIp);

export const IncidentListQuery = z.strictObject({
  kind: IncidentKind.optional(),
  severity: Severity.optional(),
  status: IncidentStatus.optional(),
  ip: ip.optional(),
  user: text.optional(),
  from: time.optional(),
  to: time.optional(),
  limit,
  cursor: z.string().max(512).optional(),
});

export const EventSearchQuery = z.strictObject({
  ip: ip.optional(),
  user: text.optional(),
  dataset: text.optional(),
  category: text.optional(),
  from: time.optional(),
  to: time.optional(),
  limit,
  cursor: z.string().max(512).optional(),
});

/** Validates query parameters, turning every problem into one 400 that lists them all. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    parameter: issue.path.map(String).join('.') || '(query)',
    message: issue.message,
  }));
  throw new BulwarkError(
    Errors.invalidQuery,
    problems.map((p) => `${p.parameter}: ${p.message}`).join('; '),
    { problems },
  );
}

/** Drops undefined members, so optional query fields stay absent rather than present-but-undefined. */
export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
