import { z } from 'zod';
import { Severity } from './incident.js';

export const Channel = z.enum(['console', 'email', 'sms', 'webhook']);
export type Channel = z.infer<typeof Channel>;

export const NotificationStatus = z.enum(['pending', 'sent', 'failed']);
export type NotificationStatus = z.infer<typeof NotificationStatus>;

/**
 * One message to one recipient about one incident, as kept in the outbox. `id` is the idempotency
 * key (incident, channel, recipient, severity step): the outbox holds it once, so a retry or a
 * restart can never queue the same message twice.
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
});
export type Notification = z.infer<typeof Notification>;
