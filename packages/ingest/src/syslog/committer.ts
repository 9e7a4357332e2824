import type { RawLog } from '@bulwark/schemas';
import type { SyslogMetrics, SyslogTransport } from './metrics.js';

/**
 * A sender that can be told to stop and go on (a TCP or TLS connection). Holds are counted: the
 * sender reads again only once every hold has been released.
 */
export interface FlowControl {
  hold(): void;
  release(): void;
}

export interface CommitterOptions {
  accept: (raws: RawLog[]) => Promise<unknown>;
  /** Most messages in one `accept` call. */
  batchSize: number;
  /** How long a batch that is not full waits for more messages; 0: until the next turn of the event loop. */
  flushMs: number;
  /** Messages waiting behind the batches being committed before senders are held (and UDP drops). */
  maxQueued: number;
  /**
   * Full batches handed to `accept` before the earlier ones have resolved (pipelining: the next
   * batch is classified while the previous commits, and a store can commit several together). 1:
   * one at a time. Above 1, `accept` must commit batches in the order it was called, and must not
   * commit a batch handed to it after one that then failed (SqliteWorkerStore rejects those).
   */
  maxInFlight?: number;
  retryInitialMs: number;
  retryMaxMs: number;
  metrics: SyslogMetrics;
  onFailure: (error: unknown, attempt: number, messages: number) => void;
}

interface Batch {
  raws: RawLog[];
  counts: Record<SyslogTransport, number>;
  /** Given up on by a drain that ran out of time (already counted as dropped). */
  abandoned: boolean;
  /** An `accept` of it is running. */
  running: boolean;
  /** Failed attempts so far; a batch in flight that is not running failed and waits for its retry. */
  failures: number;
}

function newBatch(): Batch {
  return { raws: [], counts: { udp: 0, tcp: 0, tls: 0 }, abandoned: false, running: false, failures: 0 };
}

/**
 * Gathers messages from every listener into batches of at most `batchSize` and commits them through
 * `accept` in arrival order, so a connection's later messages are committed after its earlier ones:
 * one batch at a time, or up to `maxInFlight` full batches handed over back to back. When more than
 * `maxQueued` messages wait, every sender that adds more is held (its socket paused) until there is
 * room again, and UDP should drop (see `full`). A rejected `accept` is retried with exponential
 * backoff, for ever, with the same batch: nothing read from a connection is dropped for it. While a
 * batch waits for its retry nothing new is handed over, and the batches in flight behind it are
 * retried after it, in order.
 */
export class Committer {
  private current = newBatch();
  private readonly sealed: Batch[] = [];
  /** Batches handed to `accept` and not yet committed, oldest first. */
  private readonly inFlight: Batch[] = [];
  private readonly maxInFlight: number;
  /** Messages in `current` and `sealed` (not those in flight). */
  private waiting = 0;
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly heldForRoom = new Set<FlowControl>();
  private idleWaiters: Array<() => void> = [];
  private gaveUp = false;

  constructor(private readonly options: CommitterOptions) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Messages waiting or being committed. */
  get queued(): number {
    let n = this.waiting;
    for (const batch of this.inFlight) n += batch.raws.length;
    return n;
  }

  /** Whether the queue is over its bound: a sender that cannot be held (UDP) should drop. */
  get full(): boolean {
    return this.waiting >= this.options.maxQueued;
  }

  /** Queues messages from `source` (null for UDP). Takes the elements, not the array. */
  add(raws: readonly RawLog[], transport: SyslogTransport, source: FlowControl | null): void {
    if (raws.length === 0) return;
    if (this.gaveUp) {
      this.options.metrics[transport].dropped_messages.shutdown += raws.length;
      return;
    }
    const { batchSize } = this.options;
    let i = 0;
    while (i < raws.length) {
      const batch = this.current;
      const n = Math.min(batchSize - batch.raws.length, raws.length - i);
      for (let k = 0; k < n; k += 1) batch.raws.push(raws[i + k] as RawLog);
      batch.counts[transport] += n;
      i += n;
      this.waiting += n;
      if (batch.raws.length >= batchSize) this.seal();
    }
    if (source !== null && this.full && !this.heldForRoom.has(source)) {
      this.heldForRoom.add(source);
      source.hold();
    }
    this.schedule();
  }

  /** Queues one message (UDP). */
  addOne(raw: RawLog, transport: SyslogTransport): void {
    if (this.gaveUp) {
      this.options.metrics[transport].dropped_messages.shutdown += 1;
      return;
    }
    const batch = this.current;
    batch.raws.push(raw);
    batch.counts[transport] += 1;
    this.waiting += 1;
    if (batch.raws.length >= this.options.batchSize) this.seal();
    this.schedule();
  }

  /** Forgets a source that went away (its held state no longer matters). */
  forget(source: FlowControl): void {
    this.heldForRoom.delete(source);
  }

  /**
   * Commits everything queued, then resolves. When `timeoutMs` passes first (because `accept` keeps
   * failing or hangs), the rest is counted as dropped with reason `shutdown` and it resolves anyway.
   */
  drain(timeoutMs: number): Promise<void> {
    this.seal();
    this.schedule();
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.giveUp();
        resolve();
      }, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private isIdle(): boolean {
    return this.inFlight.length === 0 && this.waiting === 0;
  }

  private seal(): void {
    if (this.current.raws.length > 0) {
      this.sealed.push(this.current);
      this.current = newBatch();
    }
    this.cancelFlush();
  }

  private schedule(): void {
    if (this.gaveUp) return;
    const head = this.inFlight[0];
    if (head !== undefined && head.failures > 0) {
      // A batch waits for its retry: nothing goes before it. Retry once nothing else is running.
      if (!head.running && this.retryTimer === null && !this.inFlight.some((b) => b.running)) {
        const { retryInitialMs, retryMaxMs } = this.options;
        const delay = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(head.failures - 1, 30));
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.attempt(head);
        }, delay);
      }
      return;
    }
    if (this.inFlight.some((b) => b.failures > 0)) {
      // Behind a running batch, one failed: go on once the running one has settled.
      return;
    }
    while (this.sealed.length > 0 && this.inFlight.length < this.maxInFlight) this.flushNext();
    if (this.inFlight.length === 0 && this.current.raws.length > 0 && this.flushTimer === null) {
      const flush = () => {
        this.flushTimer = null;
        this.seal();
        this.schedule();
      };
      // With nothing in flight, waiting only adds latency: flush once the data already read this
      // turn of the event loop has joined the batch. Under load, batches grow by themselves while
      // the previous one commits (group commit).
      this.flushTimer =
        this.options.flushMs === 0 ? setImmediate(flush) : setTimeout(flush, this.options.flushMs);
    }
  }

  private flushNext(): void {
    const batch = this.sealed.shift();
    if (batch === undefined) return;
    this.waiting -= batch.raws.length;
    this.inFlight.push(batch);
    // Senders are held only when the queue is full (see `add`): holding every contributor of a batch
    // while it commits made each connection stall and resume once per batch.
    this.releaseRoom();
    this.attempt(batch);
  }

  private releaseRoom(): void {
    if (this.full || this.heldForRoom.size === 0) return;
    const held = [...this.heldForRoom];
    this.heldForRoom.clear();
    for (const source of held) source.release();
  }

  private attempt(batch: Batch): void {
    batch.running = true;
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(this.options.accept(batch.raws));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      () => this.committed(batch),
      (error: unknown) => this.failed(batch, error),
    );
  }

  private committed(batch: Batch): void {
    batch.running = false;
    const { metrics } = this.options;
    for (const transport of ['udp', 'tcp', 'tls'] as const) {
      const n = batch.counts[transport];
      if (n === 0) continue;
      metrics[transport].accepted_messages += n;
      // A batch given up on by a drain was counted as dropped; it made it after all.
      if (batch.abandoned) metrics[transport].dropped_messages.shutdown -= n;
    }
    metrics.commit.batches += 1;
    if (batch.abandoned) return;
    const at = this.inFlight.indexOf(batch);
    if (at !== -1) this.inFlight.splice(at, 1);
    this.schedule();
    if (this.isIdle()) this.wakeIdle();
  }

  private failed(batch: Batch, error: unknown): void {
    batch.running = false;
    this.options.metrics.commit.failures += 1;
    if (batch.abandoned) return;
    batch.failures += 1;
    this.options.onFailure(error, batch.failures, batch.raws.length);
    this.schedule();
  }

  private cancelFlush(): void {
    const timer = this.flushTimer;
    if (timer === null) return;
    if ('refresh' in timer) clearTimeout(timer);
    else clearImmediate(timer);
    this.flushTimer = null;
  }

  private giveUp(): void {
    this.gaveUp = true;
    this.cancelFlush();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const left = [...this.inFlight, ...this.sealed, this.current];
    for (const batch of left) {
      batch.abandoned = true;
      for (const transport of ['udp', 'tcp', 'tls'] as const) {
        this.options.metrics[transport].dropped_messages.shutdown += batch.counts[transport];
      }
    }
    this.sealed.length = 0;
    this.current = newBatch();
    this.inFlight.length = 0;
    this.waiting = 0;
    this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
