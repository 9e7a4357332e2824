import { Worker } from 'node:worker_threads';
import { BulwarkError, Errors } from '@bulwark/errors';
import type { SecurityEvent } from '@bulwark/schemas';
import type { SequencedEvent, Store } from '../../port.js';
import { toEventRow } from '../event-rows.js';
import type { SqliteStoreOptions } from '../sqlite-store.js';
import {
  type Call,
  fromWire,
  isOrdered,
  type OrderedMethod,
  type Reply,
  type WireError,
} from './protocol.js';

type Methods = {
  [K in keyof Store]: Store[K] extends (...args: infer A) => Promise<infer R> ? [A, R] : never;
};

/**
 * The Store port on SQLite, run on a worker thread: the calling thread only hands over batches
 * (structured clones) and goes on classifying and evaluating while the worker inserts and commits.
 *
 * Same contract as SqliteStore (it is one, inside the worker): a call resolves after the worker has
 * done it, a write after it is committed (and synced as configured), so acknowledging a sender on
 * `appendEvents` resolving is as safe as before. Calls run one at a time in the order made, so writes
 * sent back to back (a batch appended while the previous one commits) commit in that order, several
 * in one transaction when they arrive together. An append (or a rules commit) made before an
 * earlier one's failure was known here is refused (BWK_ERR_STORE_UNAVAILABLE, retryable) rather than
 * committed out of order.
 * If the worker dies, every call waiting on it, and every later one, rejects with
 * BWK_ERR_STORE_UNAVAILABLE.
 */
export class SqliteWorkerStore implements Store {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { method: string; resolve: (value: unknown) => void; reject: (e: Error) => void }
  >();
  private failure: Error | null = null;
  /** Failed calls per ordered method the worker has told of; sent with each (see store-worker). */
  private readonly failures: Record<OrderedMethod, number> = { appendRows: 0, applyEvaluation: 0 };
  private closed: Promise<void> | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the store's worker exited (${code})`)));
  }

  /** Starts the worker and opens the database in it; rejects as SqliteStore's constructor throws. */
  static async open(options: SqliteStoreOptions): Promise<SqliteWorkerStore> {
    const worker = new Worker(new URL('./store-worker.js', import.meta.url), { workerData: options });
    const outcome = await new Promise<{ ready: boolean; error?: WireError }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (!outcome.ready) {
      await worker.terminate();
      throw fromWire(outcome.error as WireError);
    }
    return new SqliteWorkerStore(worker);
  }

  private call<K extends keyof Store>(method: K, ...args: Methods[K][0]): Promise<Methods[K][1]> {
    return this.callRaw(method, args) as Promise<Methods[K][1]>;
  }

  private callRaw(method: string, args: unknown[]): Promise<unknown> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    const failuresSeen = isOrdered(method) ? this.failures[method] : undefined;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
      const call: Call =
        failuresSeen === undefined ? { id, method, args } : { id, method, args, failuresSeen };
      this.worker.postMessage(call);
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.id);
    if (waiter === undefined) return;
    this.waiting.delete(reply.id);
    if (reply.ok) {
      waiter.resolve(reply.value);
      return;
    }
    if (reply.failures !== undefined) {
      const method = waiter.method as OrderedMethod;
      this.failures[method] = Math.max(this.failures[method], reply.failures);
    }
    waiter.reject(fromWire(reply.error));
  }

  private fail(cause: Error): void {
    this.failure ??= new BulwarkError(
      Errors.storeUnavailable,
      `the store's worker stopped: ${cause.message}`,
      {},
      { cause },
    );
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }

  async appendEvents(events: SecurityEvent[]): Promise<SequencedEvent[]> {
    // Rows are made here: arrays of strings and numbers cross threads far cheaper than the events,
    // and the worker answers with the seqs only (the events are the caller's own objects).
    const seqs = (await this.callRaw('appendRows', [events.map(toEventRow)])) as number[];
    return events.map((event, i) => ({ seq: seqs[i] as number, event }));
  }

  eventsAfter: Store['eventsAfter'] = (...args) => this.call('eventsAfter', ...args);
  searchEvents: Store['searchEvents'] = (...args) => this.call('searchEvents', ...args);
  countEvents: Store['countEvents'] = () => this.call('countEvents');
  checkpoint: Store['checkpoint'] = (...args) => this.call('checkpoint', ...args);
  commitEvaluation: Store['commitEvaluation'] = async (commit) => {
    await this.callRaw('applyEvaluation', [commit]);
  };
  listIncidents: Store['listIncidents'] = (...args) => this.call('listIncidents', ...args);
  getIncident: Store['getIncident'] = (...args) => this.call('getIncident', ...args);
  dueNotifications: Store['dueNotifications'] = (...args) => this.call('dueNotifications', ...args);
  dueFoldedNotifications: Store['dueFoldedNotifications'] = (...args) =>
    this.call('dueFoldedNotifications', ...args);
  markNotificationSent: Store['markNotificationSent'] = (...args) =>
    this.call('markNotificationSent', ...args);
  markNotificationFailed: Store['markNotificationFailed'] = (...args) =>
    this.call('markNotificationFailed', ...args);
  listNotifications: Store['listNotifications'] = (...args) => this.call('listNotifications', ...args);
  claimNotification: Store['claimNotification'] = (...args) => this.call('claimNotification', ...args);
  markNotificationCommitting: Store['markNotificationCommitting'] = (...args) =>
    this.call('markNotificationCommitting', ...args);
  settleNotification: Store['settleNotification'] = (...args) => this.call('settleNotification', ...args);
  deferNotification: Store['deferNotification'] = (...args) => this.call('deferNotification', ...args);
  foldNotifications: Store['foldNotifications'] = (...args) => this.call('foldNotifications', ...args);
  inFlightNotifications: Store['inFlightNotifications'] = (...args) =>
    this.call('inFlightNotifications', ...args);
  recentDeliveries: Store['recentDeliveries'] = (...args) => this.call('recentDeliveries', ...args);
  reportIncident: Store['reportIncident'] = (...args) => this.call('reportIncident', ...args);
  incidentReport: Store['incidentReport'] = (...args) => this.call('incidentReport', ...args);
  ping: Store['ping'] = () => this.call('ping');

  /** Closes the database (after every call made before), then ends the worker. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.failure !== null) return;
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      const closing = this.call('close');
      this.failure = new BulwarkError(Errors.storeUnavailable, 'the store is closed');
      await closing;
      await exited;
    })();
    return this.closed;
  }
}
