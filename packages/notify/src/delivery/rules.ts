import type { Channel, Notification } from '@bulwark/schemas';

/** At most `max` messages per recipient on a channel in any window of `perMs`. */
export interface RateLimit {
  max: number;
  perMs: number;
}

/**
 * Delivery-time rules: what may go now. Decided against the `nowMs` given, never a clock of its own.
 */
export interface DeliveryRules {
  /** Until when the notification is held back (quiet hours), or null to send now. */
  holdUntil(notification: Notification, nowMs: number): number | null;
  /** The rate limit of a channel (applied per recipient), if any. */
  limit(channel: Channel): RateLimit | undefined;
}

/** No quiet hours, no limits. */
export const NO_DELIVERY_RULES: DeliveryRules = {
  holdUntil: () => null,
  limit: () => undefined,
};
