import type {
  BatchHandler,
  Bus,
  DeliveredMessage,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
} from '../port.js';

const DEFAULT_MAX_BATCH = 500;
const BACKOFF_START_MS = 50;
const BACKOFF_MAX_MS = 5_000;

class GroupQueue<T> {
  /** Messages not yet acknowledged, from `head` on: taking from the front moves nothing. */
  private queue: DeliveredMessage<T>[] = [];
  private head = 0;
  /** Length of the batch the handler has in hand (from `head`), which is never dropped. */
  private inHand = 0;
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: BatchHandler<T>,
    private readonly options: SubscribeOptions,
  ) {}

  push(messages: DeliveredMessage<T>[]): void {
    if (this.stopped) return;
    for (const message of messages) this.queue.push(message);
    const { maxQueued } = this.options;
    if (maxQueued !== undefined && this.queued > maxQueued) this.dropOldest(maxQueued);
    if (!this.running) void this.pump();
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  /**
   * Lets go of the oldest waiting messages (not the batch in hand) down to half the bound, so that
   * this happens once per many publishes. The newest are kept: the subscriber sees the gap on its
   * next batch and reads what it missed from its own record.
   */
  private dropOldest(maxQueued: number): void {
    const from = this.head + this.inHand;
    const excess = this.queue.length - from - Math.max(1, Math.floor(maxQueued / 2));
    if (excess <= 0) return;
    this.queue.splice(from, excess);
  }

  isIdle(): boolean {
    return !this.running && this.queued === 0;
  }

  /** Resolves once the queue is empty and no batch is in hand. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private async pump(): Promise<void> {
    this.running = true;
    let attempt = 0;
    while (this.queued > 0 && !this.stopped) {
      const batch = this.queue.slice(this.head, this.head + (this.options.maxBatch ?? DEFAULT_MAX_BATCH));
      this.inHand = batch.length;
      try {
        await this.handler(batch, { more: this.queued > batch.length });
        this.head += batch.length;
        // Drop the handled front once it is most of the array: amortised O(1) per message.
        if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        attempt = 0;
      } catch (error) {
        attempt += 1;
        this.options.onError?.(error, attempt);
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
      } finally {
        this.inHand = 0;
      }
    }
    if (this.stopped) {
      this.queue = [];
      this.head = 0;
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * The in-process Bus adapter: one queue per topic and group, delivered in order by one loop each.
 * Nothing survives the process; see the port's durability clause. A group subscribed with
 * `maxQueued` holds at most that many waiting messages, letting the oldest go (see SubscribeOptions).
 */
export class MemoryBus implements Bus {
  private readonly groups = new Map<string, Map<string, GroupQueue<unknown>>>();
  private closed = false;

  async publish<T>(topic: string, messages: OutgoingMessage<T>[]): Promise<void> {
    if (this.closed) throw new Error(`bus closed: cannot publish to ${topic}`);
    const delivered = messages.map((m) =>
      m.key === undefined ? { topic, value: m.value } : { topic, key: m.key, value: m.value },
    );
    for (const queue of this.groups.get(topic)?.values() ?? []) queue.push(delivered);
  }

  subscribe<T>(
    topic: string,
    group: string,
    handler: BatchHandler<T>,
    options: SubscribeOptions = {},
  ): Subscription {
    const byGroup = this.groups.get(topic) ?? new Map<string, GroupQueue<unknown>>();
    this.groups.set(topic, byGroup);
    if (byGroup.has(group)) throw new Error(`group ${group} already subscribed to ${topic}`);
    const queue = new GroupQueue<T>(handler, options);
    byGroup.set(group, queue as GroupQueue<unknown>);
    return {
      stop: async () => {
        byGroup.delete(group);
        await queue.stop();
      },
    };
  }

  /** Resolves once every queue is empty: all published messages, and what their handlers published onward, handled. */
  async drain(): Promise<void> {
    for (;;) {
      const queues = this.queues();
      if (queues.every((queue) => queue.isIdle())) return;
      await Promise.all(queues.map((queue) => queue.idle()));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.queues().map((queue) => queue.stop()));
    this.groups.clear();
  }

  private queues(): GroupQueue<unknown>[] {
    return [...this.groups.values()].flatMap((byGroup) => [...byGroup.values()]);
  }
}
