import type { Channel, Notification } from '@bulwark/schemas';

/** How one delivery attempt ended, in Bulwark's words (vendor statuses are translated by the adapter). */
export type DeliveryResult =
  | { ok: true; providerId?: string }
  | {
      ok: false;
      retryable: boolean;
      error: string;
      /**
       * The provider may have the message even so (the connection broke after it was handed over,
       * or the provider answered 5xx after accepting the request). The next attempt then asks the
       * provider first (`reconcile`) instead of sending again.
       */
      uncertain?: boolean;
    };

/** What the channel puts on the wire, rendered at delivery time by a Composer. */
export interface Content {
  subject: string;
  /** Plain text: the email's text part, the SMS body, the console line. */
  text: string;
  /** The email's HTML part. */
  html?: string;
  /** The webhook's JSON body. */
  json?: unknown;
}

/**
 * One notification ready to go: the outbox row, where to send it, what to send, and the commit
 * hook. Extends the row, so an adapter that only needs `subject` and `body` can ignore the rest.
 */
export interface Outbound extends Notification {
  /** The address: the row's `recipient`, or the affected user's email address once resolved. */
  address: string;
  content: Content;
  /**
   * Records, durably, that the adapter is about to take the step that cannot be taken back (the
   * SMTP end-of-data, the last byte of a webhook request, the Twilio API call). An adapter calls it
   * once, right before that step, and must not take the step if it rejects. After a crash, a row
   * whose commit was recorded is reconciled (or assumed delivered) instead of being sent blindly
   * again; an adapter that never calls it gets plain at-least-once delivery.
   */
  commit(): Promise<void>;
}

/** What a provider says about an earlier attempt whose outcome was not recorded. */
export type Reconciled =
  | { state: 'delivered'; providerId?: string; note: string }
  | { state: 'not_delivered' }
  | { state: 'unknown'; error: string };

/**
 * The Notifier port: delivers one outbox notification on one channel.
 *
 * - `send` resolves with the outcome; it rejects only on a bug, and the caller then treats the
 *   attempt as retryable.
 * - Retryable failures (connection errors, rate limits, 4xx from SMTP, 5xx) are retried by the
 *   caller with backoff; permanent ones (bad recipient, rejected credentials) are recorded and not
 *   retried.
 * - Never twice: the adapter calls `message.commit()` right before its point of no return. If the
 *   process dies after that and before the outcome is recorded, the caller asks `reconcile` on
 *   restart: the adapter answers from the provider (Twilio lists sent messages) or from the nature
 *   of its protocol (SMTP and webhooks hold back their last bytes until the commit is recorded, so
 *   a committed attempt had handed over everything). Without `reconcile` the caller sends again.
 * - Messages carry `notification.id` where the protocol allows (SMTP Message-ID, webhook delivery
 *   header), so a receiver can drop a repeat.
 * - The adapter owns its connections and releases them in `close`.
 */
export interface Notifier {
  readonly channel: Channel;
  send(message: Outbound): Promise<DeliveryResult>;
  /**
   * Whether an attempt that reached its commit point at `attemptAtMs` got through. Called with the
   * message as it would be sent now (same content for the same row).
   */
  reconcile?(message: Outbound, attemptAtMs: number): Promise<Reconciled>;
  close(): Promise<void>;
}
