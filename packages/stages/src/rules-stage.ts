import type { Bus, Subscription } from '@bulwark/bus';
import { planNotifications, type Route } from '@bulwark/notify';
import {
  type Allowlist,
  decodeSnapshot,
  encodeSnapshot,
  type IncidentChange,
  latestIncidents,
  type RuleEngine,
  type RuleSpec,
} from '@bulwark/rules';
import { type Incident, type MetricSample, Topics } from '@bulwark/schemas';
import type { SequencedEvent, SnapshotStore, Store } from '@bulwark/store';

/** The name of the rules engine's snapshot in the snapshot store. */
const SNAPSHOT = 'rules-engine';
/**
 * Events the bus may hold for the rules stage before it lets the oldest go (read back from the
 * store). Events arrive in bursts, a store transaction's worth at a time (up to 32 ingest batches
 * of 1000 under a flood): the bound must hold more than one burst, or the stage loses events it was
 * keeping pace with and reads them back, which under a flood it cannot catch up from.
 */
const MAX_QUEUED = 64_000;
/**
 * Commits (of batches that changed something) that may be in flight while the next batches are
 * evaluated. Under a flood a commit waits behind the store's big append transactions; without
 * overlap the stage would idle that long per batch, fall behind the bus's bound and read the events
 * it let go back from the store.
 */
const MAX_COMMITS_IN_FLIGHT = 16;
/** Most events read from the store at once to fill a gap (evaluated as one batch). */
const GAP_READ = 5_000;
/** What the stage keeps beside the engine's state in a snapshot. */
interface SnapshotExtra {
  /** The highest event seq the state reflects. */
  checkpoint: number;
}

export interface RulesStageLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface RulesStageOptions {
  store: Store;
  /** Where the engine's state is kept between runs. */
  snapshots: SnapshotStore;
  bus: Bus;
  /** Builds a fresh engine; called at start and again to rebuild state after a failed commit. */
  createEngine: () => RuleEngine;
  routes: readonly Route[];
  log: RulesStageLog;
  /** Wall clock, only for the outbox's `created_at`; rules themselves run on event time. */
  now?: () => Date;
  /** Name of this consumer's checkpoint in the store. */
  consumer?: string;
  batchSize?: number;
  /**
   * How often (wall clock) a snapshot of the engine's state is written, with the checkpoint it
   * reflects. Incidents and notifications are committed with every batch that changes any; state
   * less often, because re-evaluating the events stored since the snapshot after a crash reproduces
   * the same incidents (their upserts change nothing, and the outbox ignores notifications it
   * holds). The longer, the less time spent writing state and the more re-evaluated on start.
   * Default 30 s.
   */
  snapshotEveryMs?: number;
}

/**
 * Evaluates stored events with the rules engine and commits the incident changes and outbox entries
 * of each batch in one transaction; snapshots the engine's state now and then. Events are taken in
 * store order exactly once: anything at or below the evaluated seq is skipped, a gap is filled from
 * the store, and on start everything stored after the snapshot's checkpoint is evaluated again.
 *
 * A batch's commit may still be in flight when the next is evaluated (up to MAX_COMMITS_IN_FLIGHT;
 * a batch that changed nothing commits nothing); the store commits them in order and refuses any
 * made after one that failed. On stop and on a short batch with nothing behind it (the stage has
 * caught up with a quiet bus) every commit is awaited; a snapshot is published once those in
 * flight when it was taken have succeeded. A failed commit sends the stage back to its snapshot, as
 * a crash would.
 */
export class RulesStage {
  private engine: RuleEngine;
  /** Highest event seq the engine has evaluated; its commit may be in flight. */
  private evaluatedSeq = 0;
  /** Highest event seq whose incidents are committed (ahead of the snapshot between writes). */
  private checkpointSeq = 0;
  /** Commits in flight, oldest first; each settles after those before it (the next waits on the last). */
  private inFlight: Promise<void>[] = [];
  /** The first commit that failed since the stage last rebuilt its state. */
  private commitFailure: { error: unknown } | null = null;
  /** Highest event seq whose rule state is durable (in the latest snapshot). */
  private durableSeq = 0;
  private lastSnapshot = 0;
  /** The snapshot being written, if any (one at a time). */
  private snapshotting: Promise<void> | null = null;
  private readonly snapshotEveryMs: number;
  /** Set when the engine may be ahead of the store; cleared once it has been rebuilt from the store. */
  private needsRestore = false;
  private subscription: Subscription | null = null;
  /** How long the latest snapshot took to write, and its size: for the metrics. */
  private snapshotMs = 0;
  private snapshotBytes = 0;
  private readonly consumer: string;
  private readonly batchSize: number;
  private readonly now: () => Date;
  /** The tail of the deliveries and recoveries, which run one at a time. */
  private turn: Promise<unknown> = Promise.resolve();
  /** Set while a delivery is in hand: a commit failing then is met by the delivery itself. */
  private handling = false;
  /** A recovery waiting for its turn (see `chain`). */
  private recovery: Promise<void> | null = null;

  constructor(private readonly options: RulesStageOptions) {
    this.engine = options.createEngine();
    this.consumer = options.consumer ?? 'rules-engine';
    this.batchSize = options.batchSize ?? 1000;
    this.now = options.now ?? (() => new Date());
    this.snapshotEveryMs = options.snapshotEveryMs ?? 30_000;
  }

  /** Restores state, evaluates whatever was stored but not yet evaluated, then follows the events topic. */
  async start(): Promise<void> {
    await this.restore();
    await this.catchUp();
    this.subscription = this.options.bus.subscribe<SequencedEvent>(
      Topics.events,
      this.consumer,
      async (batch, { more }) =>
        this.exclusive(async () => {
          this.handling = true;
          try {
            await this.handle(
              batch.map((message) => message.value),
              more,
            );
          } finally {
            this.handling = false;
            // A commit that failed between the delivery's last look and its end.
            this.recoverIfIdle();
          }
        }),
      {
        maxBatch: this.batchSize,
        // Under a flood the bus would hold every event the rules have yet to see; past this many it
        // lets the oldest go, and handle() reads those from the store when it meets the gap.
        maxQueued: MAX_QUEUED,
        onError: (error, attempt) =>
          this.options.log.error({ err: error, attempt }, 'rules stage batch failed'),
      },
    );
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
    await this.turn;
    try {
      await this.settle();
    } catch (error) {
      this.options.log.error(
        { err: error },
        'rules stage commit failed: its events are evaluated again on start',
      );
      return;
    } finally {
      await this.snapshotting;
    }
    if (this.checkpointSeq > this.durableSeq && !this.needsRestore) await this.writeSnapshot();
  }

  /** Runs `work` after the delivery or recovery under way, if any. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * After a commit failed with no delivery in hand: starts over from the snapshot and evaluates what
   * the store holds after it, instead of waiting for the next delivery, which a quiet bus may not
   * bring for a long time.
   */
  private async recover(): Promise<void> {
    this.recovery = null;
    if (this.commitFailure === null || this.subscription === null) return; // met meanwhile, or stopping
    // A failure during the recovery is its own to meet (no recovery queued after it, no loop): it
    // is logged, and the next delivery, which the bus retries with a backoff, tries again.
    this.handling = true;
    try {
      await this.settle();
    } catch (error) {
      this.options.log.error({ err: error }, 'rules stage commit failed: evaluating again from the snapshot');
    }
    try {
      if (this.needsRestore) await this.restore();
      await this.catchUp();
    } catch (error) {
      this.options.log.error(
        { err: error },
        'rules stage could not start over: trying again on the next delivery',
      );
    } finally {
      this.handling = false;
    }
  }

  /**
   * Waits for every commit in flight. If one failed, rebuilds the state from the snapshot (the
   * events after it are read from the store again) and throws the failure.
   */
  private async settle(): Promise<void> {
    const pending = this.inFlight;
    this.inFlight = [];
    await Promise.allSettled(pending);
    const failure = this.commitFailure;
    if (failure === null) return;
    // The engine has moved past what is durable: rebuild it from the store before going on. If
    // even that fails, `needsRestore` stays set and the next delivery tries again first.
    this.needsRestore = true;
    await this.restore().catch(() => undefined);
    throw failure.error;
  }

  /**
   * Writes a snapshot of the engine's state and the seq it reflects (everything evaluated), then
   * records that checkpoint in the store (for the record: the snapshot's own is the one read back).
   * The state is written out at once, but replaces the previous snapshot only once the commits in
   * flight, which carry the incidents of the events it reflects, have all succeeded: the stage goes
   * on evaluating meanwhile instead of waiting for them behind the store's appends. A failure is
   * logged and left for the next snapshot: a start re-evaluates from the one before.
   */
  private writeSnapshot(): Promise<void> {
    const checkpoint = this.evaluatedSeq;
    const committed = Promise.all(this.inFlight);
    this.lastSnapshot = this.now().getTime();
    this.snapshotting = this.saveSnapshot(checkpoint, committed).finally(() => {
      this.snapshotting = null;
    });
    return this.snapshotting;
  }

  private async saveSnapshot(checkpoint: number, committed: Promise<unknown>): Promise<void> {
    const began = Date.now();
    try {
      const extra: SnapshotExtra = { checkpoint };
      const pieces = encodeSnapshot(this.engine.snapshot(), extra);
      // `save` copies the pieces (views of live state) into its file before it first waits.
      await this.options.snapshots.save(SNAPSHOT, pieces, committed);
      await this.options.store.commitEvaluation({
        consumer: this.consumer,
        checkpoint,
        incidents: [],
        resolved: [],
        notifications: [],
      });
      this.durableSeq = Math.max(this.durableSeq, checkpoint);
      this.snapshotMs = Date.now() - began;
      this.snapshotBytes = pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
    } catch (error) {
      this.options.log.error({ err: error, checkpoint }, 'rules state snapshot failed');
    }
  }

  /**
   * Swaps in new rules between batches; rules that keep their name and shape keep their state.
   * The engine factory must already build with the new rules, for rebuilds after a failure.
   */
  replaceRules(rules: readonly RuleSpec[], allow?: Allowlist): void {
    this.engine.replaceRules(rules, allow);
  }

  metrics(): MetricSample[] {
    const stats = this.engine.stats();
    const stage = 'rules';
    return [
      {
        name: 'bulwark_rules_evaluated_events_total',
        type: 'counter',
        labels: { stage },
        value: stats.evaluated,
      },
      { name: 'bulwark_rules_late_events_total', type: 'counter', labels: { stage }, value: stats.late },
      { name: 'bulwark_rules_open_incidents', type: 'gauge', labels: { stage }, value: stats.episodes },
      { name: 'bulwark_rules_checkpoint_seq', type: 'gauge', labels: { stage }, value: this.checkpointSeq },
      { name: 'bulwark_rules_snapshot_seq', type: 'gauge', labels: { stage }, value: this.durableSeq },
      {
        name: 'bulwark_rules_snapshot_seconds',
        type: 'gauge',
        labels: { stage },
        value: this.snapshotMs / 1000,
      },
      { name: 'bulwark_rules_snapshot_bytes', type: 'gauge', labels: { stage }, value: this.snapshotBytes },
      ...Object.entries(stats.keys).map(([rule, value]) => ({
        name: 'bulwark_rules_keys',
        type: 'gauge' as const,
        labels: { stage, rule },
        value,
      })),
    ];
  }

  /** Highest event seq whose incidents are committed (its rule state at the latest snapshot). */
  get checkpoint(): number {
    return this.checkpointSeq;
  }

  /**
   * A fresh engine with the latest snapshot's state, at its checkpoint; with no snapshot (or one that
   * cannot be read, which is set aside and logged), an empty engine at the start of the store.
   */
  private async restore(): Promise<void> {
    this.needsRestore = true;
    let engine = this.options.createEngine();
    let checkpoint = 0;
    const bytes = await this.options.snapshots.load(SNAPSHOT);
    if (bytes !== null) {
      try {
        const { snapshot, extra } = decodeSnapshot(bytes);
        const saved = (extra as Partial<SnapshotExtra> | null)?.checkpoint;
        if (typeof saved !== 'number' || !Number.isInteger(saved) || saved < 0) {
          throw new Error('snapshot without a checkpoint');
        }
        engine.restore(snapshot);
        checkpoint = saved;
      } catch (error) {
        const aside = await this.options.snapshots.discard(SNAPSHOT);
        this.options.log.error(
          { err: error, setAside: aside },
          'rules state snapshot unreadable: evaluating every stored event again',
        );
        engine = this.options.createEngine();
        checkpoint = 0;
      }
    }
    this.evaluatedSeq = checkpoint;
    this.checkpointSeq = checkpoint;
    this.durableSeq = checkpoint;
    // The state is as durable as the snapshot just read: the next is due a whole interval from now
    // (a snapshot on the first batch after a start stalled the stage in the middle of a flood).
    this.lastSnapshot = this.now().getTime();
    this.engine = engine;
    this.commitFailure = null;
    this.needsRestore = false;
  }

  private async catchUp(): Promise<void> {
    let caughtUp = 0;
    for (;;) {
      const batch = await this.options.store.eventsAfter(this.evaluatedSeq, this.batchSize);
      if (batch.length === 0) break;
      await this.evaluate(batch, batch.length < this.batchSize);
      caughtUp += batch.length;
    }
    await this.settle();
    if (caughtUp > 0)
      this.options.log.info({ events: caughtUp }, 'evaluated events stored before the restart');
  }

  /** `more`: the bus has more waiting, so this batch's commit may be left in flight. */
  private async handle(delivered: SequencedEvent[], more: boolean): Promise<void> {
    if (this.commitFailure !== null) await this.settle();
    if (this.needsRestore) await this.restore();
    const fresh = delivered.filter((entry) => entry.seq > this.evaluatedSeq).sort((a, b) => a.seq - b.seq);
    const contiguous = fresh.every((entry, index) => entry.seq === this.evaluatedSeq + index + 1);
    // Held-back incident updates go out on a short batch with nothing behind it: `more` alone turns
    // false now and then in a flood the stage keeps up with, and flushing each time costs the store.
    const idle = !more && delivered.length < this.batchSize;
    if (contiguous) {
      if (fresh.length > 0) await this.evaluate(fresh, idle);
    } else {
      // Something is missing (let go by the bus, or published out of order): read it from the store,
      // in big reads with the next under way while one is evaluated, because under a flood each read
      // waits its turn behind the store's appends: one at a time, the stage would never catch up.
      const upTo = (fresh[fresh.length - 1] as SequencedEvent).seq;
      const read = (after: number) => this.options.store.eventsAfter(after, Math.min(GAP_READ, upTo - after));
      let next = read(this.evaluatedSeq);
      while (this.evaluatedSeq < upTo) {
        const batch = await next;
        if (batch.length === 0) break;
        const last = (batch[batch.length - 1] as SequencedEvent).seq;
        next = last < upTo ? read(last) : Promise.resolve([]);
        next.catch(() => undefined); // awaited on the next turn, unless evaluating this batch throws
        await this.evaluate(batch, idle && last >= upTo);
      }
    }
    // Settled only once caught up with a quiet bus: a full batch with nothing behind it is the
    // stage keeping pace with a flood, and waiting there for commits queued behind the store's
    // appends let the bus fill past its bound. Commits settle on their own; a failure is met on
    // the next delivery (or on stop), and the stage starts over from its snapshot then.
    if (idle) await this.settle();
  }

  /**
   * Evaluates a batch and starts the commit of what it changed; waits for the oldest commit when
   * too many are in flight, and for all of them when a snapshot is due. `caughtUp` (nothing more
   * is waiting) also commits the incident updates the engine held back under load
   * (`rules.update_every`).
   */
  private async evaluate(batch: SequencedEvent[], caughtUp: boolean): Promise<void> {
    const changes: IncidentChange[] = this.engine.evaluate(batch.map((entry) => entry.event));
    if (caughtUp) changes.push(...this.engine.reportHeld());
    const incidents: Incident[] = [...latestIncidents(changes).values()];
    const resolved = changes.filter((change) => change.type === 'closed').map((change) => change.incident.id);
    const now = this.now().toISOString();
    const notifications = changes.flatMap((change) => planNotifications(change, this.options.routes, now));
    const checkpoint = (batch[batch.length - 1] as SequencedEvent).seq;
    this.evaluatedSeq = checkpoint;
    const before = this.inFlight[this.inFlight.length - 1];
    if (incidents.length === 0 && resolved.length === 0 && notifications.length === 0) {
      // Nothing to write: the checkpoint moves once the commits before it are done. No store call,
      // which would wait its turn behind the appends, and no slot of its own: under a flood most
      // batches change nothing, and counted as commits they held the stage back behind one slow one.
      if (before === undefined) this.checkpointSeq = checkpoint;
      else this.inFlight[this.inFlight.length - 1] = this.chain(before.then(() => this.advance(checkpoint)));
    } else {
      const committed = this.options.store.commitEvaluation({
        consumer: this.consumer,
        incidents,
        resolved,
        notifications,
      });
      const commit = (async () => {
        await committed;
        await before;
        this.advance(checkpoint);
        if (incidents.length > 0) {
          await this.options.bus.publish(
            Topics.incidents,
            incidents.map((incident) => ({ key: incident.id, value: incident })),
          );
        }
      })();
      this.inFlight.push(this.chain(commit));
      if (this.inFlight.length > MAX_COMMITS_IN_FLIGHT) await this.inFlight.shift()?.catch(() => undefined);
    }
    if (this.commitFailure !== null) await this.settle();
    if (this.snapshotting === null && this.now().getTime() - this.lastSnapshot >= this.snapshotEveryMs) {
      void this.writeSnapshot();
    }
  }

  /**
   * Notes a commit's failure as soon as it is known (commits made after it are refused by the store).
   * A delivery in hand meets it itself; otherwise a recovery is queued.
   */
  private chain(commit: Promise<void>): Promise<void> {
    commit.catch((error: unknown) => {
      this.commitFailure ??= { error };
      this.recoverIfIdle();
    });
    return commit;
  }

  /** Queues a recovery for a failed commit, unless a delivery (or recovery) in hand will meet it. */
  private recoverIfIdle(): void {
    if (this.commitFailure !== null && !this.handling && this.subscription !== null) {
      this.recovery ??= this.exclusive(() => this.recover());
    }
  }

  private advance(checkpoint: number): void {
    if (checkpoint > this.checkpointSeq) this.checkpointSeq = checkpoint;
  }
}
