import type { Channel, Notification } from '@bulwark/schemas';

/** How one delivery attempt ended, in Bulwark's words (vendor statuses are translated by the adapter). */
export type DeliveryResult =
  | { ok: true; providerId?: string }
  | { ok: false; retryable: boolean; error: string };

/**
 * The Notifier port: delivers one outbox notification on one channel.
 *
 * - `send` resolves with the outcome; it rejects only on a bug, and the caller then treats the
 *   attempt as retryable.
 * - Retryable failures (connection errors, rate limits, 5xx) are retried by the caller with backoff;
 *   permanent ones (bad recipient, rejected credentials) are recorded and not retried.
 * - Delivery is at least once: a crash between a send and its record may repeat it, so adapters
 *   pass `notification.id` to providers that deduplicate on an idempotency key.
 * - The adapter owns its connections and releases them in `close`.
 */
export interface Notifier {
  readonly channel: Channel;
  send(notification: Notification): Promise<DeliveryResult>;
  close(): Promise<void>;
}
