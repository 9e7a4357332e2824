/** A message as published: an optional partition key and a JSON-serialisable value. */
export interface OutgoingMessage<T> {
  key?: string;
  value: T;
}

/** A message as delivered to a subscriber. */
export interface DeliveredMessage<T> {
  topic: string;
  key?: string;
  value: T;
}

/** What the bus tells a handler beside the batch. */
export interface BatchContext {
  /**
   * Whether more messages were waiting behind this batch when it was handed over. A handler may
   * leave work of its own in flight while this is true, to overlap it with the next batch, but must
   * finish it before resolving a batch where this is false: so a bus with nothing waiting has had
   * everything handled. An adapter that cannot tell says false.
   */
  more: boolean;
}

/**
 * Handles one batch. Resolving acknowledges the whole batch; rejecting leaves it unacknowledged,
 * and the bus delivers the same batch again after a backoff. Handlers must therefore be idempotent.
 */
export type BatchHandler<T> = (batch: DeliveredMessage<T>[], context: BatchContext) => Promise<void>;

export interface SubscribeOptions {
  /** Most messages handed to one handler call. */
  maxBatch?: number;
  /** Called when a handler rejects, before redelivery; for logging and metrics. */
  onError?: (error: unknown, attempt: number) => void;
  /**
   * For a subscriber that can read what it misses from its own durable record: at most this many
   * messages wait for it, and past that an adapter that holds messages in memory lets the oldest go
   * (never the batch in hand). Later messages still come in order, so the subscriber sees the gap.
   * Adapters with durable logs (Kafka) ignore it.
   */
  maxQueued?: number;
}

export interface Subscription {
  /** Stops delivering to this handler once the batch in hand is done. */
  stop(): Promise<void>;
}

/**
 * The Bus port: named topics between stages.
 *
 * - Delivery is at least once. A message is acknowledged only when the handler of its batch
 *   resolves; until then it may be delivered again, also after a restart where the adapter is durable.
 * - Within a topic and key, messages are delivered in publish order, and a failing batch holds
 *   back those behind it (no skipping ahead).
 * - Each subscriber group receives every message once (modulo redelivery); replicas in one group
 *   share the work.
 * - `publish` resolves once the adapter has taken the messages as far as it guarantees: memory when
 *   in-process, a replicated commit for Kafka. Its rejections are retryable.
 * - Durability is the adapter's: the memory adapter keeps nothing across a restart, so a process
 *   using it must keep its own durable record (the standalone service uses the Store) and publish
 *   again what was not acknowledged.
 * - The bus owns its delivery loops; `close` stops them after in-flight batches finish.
 */
export interface Bus {
  publish<T>(topic: string, messages: OutgoingMessage<T>[]): Promise<void>;
  subscribe<T>(
    topic: string,
    group: string,
    handler: BatchHandler<T>,
    options?: SubscribeOptions,
  ): Subscription;
  close(): Promise<void>;
}
