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

/** Bounds on what a group may hold before `publish` waits for it (see MemoryBusOptions). */
interface Room {
  maxQueued: number;
  maxWaitMs: number;
}

class GroupQueue<T> {
  /** Messages not yet acknowledged, from `head` on: taking from the front moves nothing. */
  private queue: DeliveredMessage<T>[] = [];
  private head = 0;
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: BatchHandler<T>,
    private readonly options: SubscribeOptions,
    private readonly room: Room,
  ) {}

  push(messages: DeliveredMessage<T>[]): void {
    if (this.stopped) return;
    for (const message of messages) this.queue.push(message);
    if (!this.running) void this.pump();
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  /**
   * Resolves once the group holds fewer than `maxQueued` messages, or after `maxWaitMs` whatever
   * it holds (a consumer that is failing must not stop its publishers for good).
   */
  waitForRoom(): Promise<void> {
    if (this.queued < this.room.maxQueued || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.room.maxWaitMs);
      this.roomWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
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
    this.wakePublishers();
    await this.idle();
  }

  private wakePublishers(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private async pump(): Promise<void> {
    this.running = true;
    let attempt = 0;
    while (this.queued > 0 && !this.stopped) {
      const batch = this.queue.slice(this.head, this.head + (this.options.maxBatch ?? DEFAULT_MAX_BATCH));
      try {
        await this.handler(batch);
        this.head += batch.length;
        // Drop the handled front once it is most of the array: amortised O(1) per message.
        if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        attempt = 0;
        if (this.queued < this.room.maxQueued) this.wakePublishers();
      } catch (error) {
        attempt += 1;
        this.options.onError?.(error, attempt);
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
      }
    }
    if (this.stopped) {
      this.queue = [];
      this.head = 0;
    }
    this.running = false;
    this.wakePublishers();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

export interface MemoryBusOptions {
  /**
   * Messages a subscriber group may hold before `publish` waits for it to catch up (default
   * 20,000). Without a bound, a consumer slower than its producers (the rules stage under a flood)
   * lets the queue, and the heap with it, grow without end; every message it holds is also copied
   * by each young-generation GC it outlives.
   */
  maxQueued?: number;
  /** Longest `publish` waits for room before it queues anyway (default 1 s). */
  maxWaitMs?: number;
}

/**
 * The in-process Bus adapter: one queue per topic and group, delivered in order by one loop each.
 * Nothing survives the process; see the port's durability clause. `publish` waits (up to
 * `maxWaitMs`) while a group holds `maxQueued` messages: a handler must therefore not publish to
 * its own topic and wait for that publish, or it waits on itself.
 */
export class MemoryBus implements Bus {
  private readonly groups = new Map<string, Map<string, GroupQueue<unknown>>>();
  private closed = false;
  private readonly room: Room;

  constructor(options: MemoryBusOptions = {}) {
    this.room = { maxQueued: options.maxQueued ?? 20_000, maxWaitMs: options.maxWaitMs ?? 1_000 };
  }

  async publish<T>(topic: string, messages: OutgoingMessage<T>[]): Promise<void> {
    if (this.closed) throw new Error(`bus closed: cannot publish to ${topic}`);
    const delivered = messages.map((m) =>
      m.key === undefined ? { topic, value: m.value } : { topic, key: m.key, value: m.value },
    );
    const queues = [...(this.groups.get(topic)?.values() ?? [])];
    for (const queue of queues) queue.push(delivered);
    // Back-pressure: the publisher (and, through it, the sender) waits while a consumer is far behind.
    for (const queue of queues) if (queue.queued >= this.room.maxQueued) await queue.waitForRoom();
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
    const queue = new GroupQueue<T>(handler, options, this.room);
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
