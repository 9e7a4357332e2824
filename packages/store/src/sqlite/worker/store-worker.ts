/**
 * The thread that owns the SQLite database for SqliteWorkerStore: it opens a SqliteStore and runs
 * the calls it is sent in the order sent, answering each once it is done, a write once committed.
 * Calls that arrive together run in one transaction (group commit): under load, a batch of events
 * and the rules' commit for the batch before share one sync to disk instead of paying one each.
 * Early reads (`EARLY`) among them run first and are answered at once: they see what was committed
 * before they were sent, and need not wait for the writes queued beside them.
 *
 * Appends, and the rules' commits, keep their order even when one fails: each carries how many
 * failed calls of its method its sender had heard of, and one sent before the sender heard of the
 * latest failure is refused unrun (retryable), so nothing is committed after an earlier write of the
 * same stream that has yet to be retried.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BulwarkError, Errors } from '@bulwark/errors';
import { SqliteStore, type SqliteStoreOptions } from '../sqlite-store.js';
import {
  type Call,
  isEarly,
  isOrdered,
  ORDERED,
  type OrderedMethod,
  type Reply,
  toWire,
} from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('store-worker.js runs as a worker thread');

let store: SqliteStore;
try {
  store = new SqliteStore(workerData as SqliteStoreOptions);
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: toWire(error) });
  port.close();
  throw error;
}

type Method = (...args: unknown[]) => unknown;

/** Failed calls per ordered method (the sender's count comes with each such call). */
const failures: Record<OrderedMethod, number> = { appendRows: 0, applyEvaluation: 0 };

/**
 * Runs an ordered write, synchronously; refuses it unrun when it was sent before its sender heard
 * of the latest failure of its method, and counts its own failure.
 */
function runOrdered(method: OrderedMethod, call: Call): unknown {
  if ((call.failuresSeen ?? 0) < failures[method]) {
    throw new BulwarkError(
      Errors.storeUnavailable,
      'not written: an earlier write of the same kind failed, and must be retried first',
    );
  }
  try {
    return (store[method] as Method).apply(store, call.args);
  } catch (error) {
    failures[method] += 1;
    throw error;
  }
}

/** Starts a call; the store's methods do their work before returning their promise. */
function start(call: Call): Promise<unknown> {
  try {
    if (isOrdered(call.method)) return Promise.resolve(runOrdered(call.method, call));
    const method = (store as unknown as Record<string, Method>)[call.method];
    if (typeof method !== 'function') throw new Error(`no Store method ${call.method}`);
    return Promise.resolve(method.apply(store, call.args));
  } catch (error) {
    return Promise.reject(error);
  }
}

function reply(call: Call, outcome: Promise<unknown>): Promise<void> {
  return outcome.then(
    (value) => port?.postMessage({ id: call.id, ok: true, value } satisfies Reply),
    (error: unknown) =>
      port?.postMessage({
        id: call.id,
        ok: false,
        error: toWire(error),
        ...(isOrdered(call.method) ? { failures: failures[call.method] } : {}),
      } satisfies Reply),
  );
}

let queue: Call[] = [];
let scheduled = false;

/**
 * Runs every call that has arrived: the early reads first, each answered at once, then the rest in
 * one transaction, answered after its commit.
 */
function runQueued(): void {
  scheduled = false;
  const arrived = queue;
  queue = [];
  const calls: Call[] = [];
  for (const call of arrived) {
    if (isEarly(call.method)) void reply(call, start(call));
    else calls.push(call);
  }
  if (calls.length === 0) return;
  const closing = calls.findIndex((call) => call.method === 'close');
  const grouped = closing === -1 ? calls : calls.slice(0, closing);
  const outcomes: Promise<unknown>[] = [];
  try {
    store.group(() => {
      for (const call of grouped) {
        const outcome = start(call);
        outcome.catch(() => undefined); // answered below, after the commit
        outcomes.push(outcome);
      }
    });
    grouped.forEach((call, i) => void reply(call, outcomes[i] as Promise<unknown>));
  } catch (error) {
    // The commit failed: none of the group's writes happened, whatever each call saw.
    for (const method of ORDERED) if (grouped.some((call) => call.method === method)) failures[method] += 1;
    for (const call of grouped) void reply(call, Promise.reject(error));
  }
  if (closing !== -1) {
    const call = calls[closing] as Call;
    // Once the database is closed (and that answered) there is nothing left: let the thread end.
    void reply(call, start(call)).finally(() => port?.close());
  }
}

port.on('message', (call: Call) => {
  queue.push(call);
  if (!scheduled) {
    scheduled = true;
    // After the messages that have already arrived have been queued too.
    setImmediate(runQueued);
  }
});
