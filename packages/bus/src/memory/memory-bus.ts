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
  private readonly queue: DeliveredMessage<T>[] = [];
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
    if (!this.running) void this.pump();
  }

  isIdle(): boolean {
    return !this.running && this.queue.length === 0;
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
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue.slice(0, this.options.maxBatch ?? DEFAULT_MAX_BATCH);
      try {
        await this.handler(batch);
        this.queue.splice(0, batch.length);
        attempt = 0;
      } catch (error) {
        attempt += 1;
        this.options.onError?.(error, attempt);
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
      }
    }
    if (this.stopped) this.queue.length = 0;
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * The in-process Bus adapter: one queue per topic and group, delivered in order by one loop each.
 * Nothing survives the process; see the port's durability clause.
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
