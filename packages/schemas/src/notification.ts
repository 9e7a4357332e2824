import { z } from 'zod';
import { IncidentKey, IncidentKind, Severity } from './incident.js';

export const Channel = z.enum(['console', 'email', 'sms', 'webhook']);
export type Channel = z.infer<typeof Channel>;

/**
 * Where a notification stands in the outbox:
 * - `pending`: waiting to be sent (now, or at `next_attempt_at`: a retry, quiet hours, a digest);
 * - `sending`: an attempt is in flight (claimed before the provider is called, so a crash can be
 *   reconciled on restart instead of sending blindly again);
 * - `sent`: the provider accepted it;
 * - `failed`: permanently refused, or retries exhausted (`last_error` says why);
 * - `folded`: not sent on its own but as part of the summary `folded_into` (rate limit or digest).
 */
export const NotificationStatus = z.enum(['pending', 'sending', 'sent', 'failed', 'folded']);
export type NotificationStatus = z.infer<typeof NotificationStatus>;

/** The incident as it stood when the notification was planned: what SMS and webhooks render. */
export const IncidentSnapshot = z.object({
  kind: IncidentKind,
  key: IncidentKey,
  count: z.number().int().positive(),
  summary: z.string(),
  first_seen: z.iso.datetime(),
  last_seen: z.iso.datetime(),
});
export type IncidentSnapshot = z.infer<typeof IncidentSnapshot>;

/** One notification folded into a summary. */
export const FoldedItem = z.object({
  id: z.string(),
  incident_id: z.string(),
  severity: Severity,
  kind: IncidentKind.nullable(),
  key: IncidentKey.nullable(),
  count: z.number().int().nullable(),
  summary: z.string(),
});
export type FoldedItem = z.infer<typeof FoldedItem>;

/**
 * What a notification is about, by template:
 * - `incident`: an incident opened or its severity rose (to the security team);
 * - `affected_user`: the user concerned by a login, with a "this wasn't me" link;
 * - `user_report`: that user said "this wasn't me" (to the security team);
 * - `summary`: several notifications folded into one, by a rate limit or a daily digest.
 */
export const NotificationPayload = z.discriminatedUnion('template', [
  z.object({ template: z.literal('incident'), incident: IncidentSnapshot }),
  z.object({ template: z.literal('affected_user'), incident: IncidentSnapshot, user: z.string() }),
  z.object({
    template: z.literal('user_report'),
    incident: IncidentSnapshot,
    user: z.string(),
    reported_at: z.iso.datetime(),
  }),
  z.object({
    template: z.literal('summary'),
    reason: z.enum(['rate_limit', 'digest']),
    items: z.array(FoldedItem),
  }),
]);
export type NotificationPayload = z.infer<typeof NotificationPayload>;

/**
 * One message to one recipient about one incident, as kept in the outbox. `id` is the idempotency
 * key (incident, channel, recipient, severity step): the outbox holds it once, so a retry or a
 * restart can never queue the same message twice.
 *
 * The optional members were added with the SMS/email channels; rows planned before them have none.
 * A summary (`payload.template: summary`) has an empty `incident_id`: it belongs to no single
 * incident, and is listed with each incident whose notification it carries.
 */
export const Notification = z.object({
  id: z.string(),
  incident_id: z.string(),
  channel: Channel,
  recipient: z.string(),
  severity: Severity,
  subject: z.string(),
  body: z.string(),
  status: NotificationStatus,
  attempts: z.number().int().min(0),
  last_error: z.string().nullable(),
  created_at: z.iso.datetime(),
  sent_at: z.iso.datetime().nullable(),
  /** What to render; absent on rows planned before templates existed (rendered from subject/body). */
  payload: NotificationPayload.nullable().optional(),
  /** When the next attempt is due (a retry, the end of quiet hours, a digest, a free rate-limit slot). */
  next_attempt_at: z.iso.datetime().nullable().optional(),
  /** When the last attempt started. */
  last_attempt_at: z.iso.datetime().nullable().optional(),
  /** Rows with the same fold key (a digest slot) are sent together as one summary when due. */
  fold_key: z.string().nullable().optional(),
  /** The summary this notification was sent in (status `folded`). */
  folded_into: z.string().nullable().optional(),
  /** The provider's id of the message (Twilio SID, SMTP Message-ID). */
  provider_id: z.string().nullable().optional(),
  /**
   * True when an earlier attempt may have reached the provider (the process stopped, or the
   * connection broke, after the message was handed over): the next attempt first asks the
   * provider, where it can, instead of sending again.
   */
  in_doubt: z.boolean().optional(),
  /** Why the notification waits or how it was settled, for people (not an error). */
  note: z.string().nullable().optional(),
});
export type Notification = z.infer<typeof Notification>;
