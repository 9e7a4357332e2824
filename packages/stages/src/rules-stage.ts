import type { Bus, Subscription } from '@bulwark/bus';
import { planNotifications, type Route } from '@bulwark/notify';
import {
  type Allowlist,
  type IncidentChange,
  latestIncidents,
  type RuleEngine,
  type RuleSpec,
} from '@bulwark/rules';
import { type Incident, type MetricSample, Topics } from '@bulwark/schemas';
import type { SequencedEvent, Store } from '@bulwark/store';

export interface RulesStageLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface RulesStageOptions {
  store: Store;
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
   * How often (wall clock) the rule state and checkpoint are written. Incidents and notifications
   * are written with every batch; state is written less often, because re-evaluating the events
   * since the last checkpoint after a crash reproduces the same incidents. Default 1000 ms.
   */
  stateEveryMs?: number;
}

/**
 * Evaluates stored events with the rules engine and commits the incident changes, rule state,
 * outbox entries and checkpoint in one transaction. Events are taken in store order exactly once:
 * anything at or below the checkpoint is skipped, and a gap is filled from the store.
 */
export class RulesStage {
  private engine: RuleEngine;
  /** Highest event seq the engine has evaluated (ahead of the durable checkpoint between writes). */
  private checkpointSeq = 0;
  /** Highest event seq whose rule state is durable. */
  private durableSeq = 0;
  private lastStateWrite = 0;
  private readonly stateEveryMs: number;
  /** Set when the engine may be ahead of the store; cleared once it has been rebuilt from the store. */
  private needsRestore = false;
  private subscription: Subscription | null = null;
  private readonly consumer: string;
  private readonly batchSize: number;
  private readonly now: () => Date;

  constructor(private readonly options: RulesStageOptions) {
    this.engine = options.createEngine();
    this.consumer = options.consumer ?? 'rules-engine';
    this.batchSize = options.batchSize ?? 1000;
    this.now = options.now ?? (() => new Date());
    this.stateEveryMs = options.stateEveryMs ?? 1000;
  }

  /** Restores state, evaluates whatever was stored but not yet evaluated, then follows the events topic. */
  async start(): Promise<void> {
    await this.restore();
    await this.catchUp();
    this.subscription = this.options.bus.subscribe<SequencedEvent>(
      Topics.events,
      this.consumer,
      async (batch) => this.handle(batch.map((message) => message.value)),
      {
        maxBatch: this.batchSize,
        onError: (error, attempt) =>
          this.options.log.error({ err: error, attempt }, 'rules stage batch failed'),
      },
    );
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
    if (this.checkpointSeq > this.durableSeq && !this.needsRestore) await this.writeState();
  }

  /** Writes the rule state and the checkpoint it reflects. */
  private async writeState(): Promise<void> {
    await this.options.store.commitEvaluation({
      consumer: this.consumer,
      checkpoint: this.checkpointSeq,
      incidents: [],
      resolved: [],
      baselines: this.engine.takeDirty(),
      notifications: [],
    });
    this.durableSeq = this.checkpointSeq;
    this.lastStateWrite = this.now().getTime();
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
      ...Object.entries(stats.keys).map(([rule, value]) => ({
        name: 'bulwark_rules_keys',
        type: 'gauge' as const,
        labels: { stage, rule },
        value,
      })),
    ];
  }

  /** Highest event seq evaluated (its incidents committed; its rule state at the latest write). */
  get checkpoint(): number {
    return this.checkpointSeq;
  }

  private async restore(): Promise<void> {
    this.needsRestore = true;
    const engine = this.options.createEngine();
    engine.load(await this.options.store.loadBaselines());
    this.checkpointSeq = await this.options.store.checkpoint(this.consumer);
    this.durableSeq = this.checkpointSeq;
    this.engine = engine;
    this.needsRestore = false;
  }

  private async catchUp(): Promise<void> {
    let caughtUp = 0;
    for (;;) {
      const batch = await this.options.store.eventsAfter(this.checkpointSeq, this.batchSize);
      if (batch.length === 0) break;
      await this.evaluate(batch);
      caughtUp += batch.length;
    }
    if (caughtUp > 0)
      this.options.log.info({ events: caughtUp }, 'evaluated events stored before the restart');
  }

  private async handle(delivered: SequencedEvent[]): Promise<void> {
    if (this.needsRestore) await this.restore();
    const fresh = delivered.filter((entry) => entry.seq > this.checkpointSeq).sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0) return;
    const contiguous = fresh.every((entry, index) => entry.seq === this.checkpointSeq + index + 1);
    if (contiguous) {
      await this.evaluate(fresh);
      return;
    }
    // Something is missing (lost in transit, or published out of order): read it from the store.
    const upTo = (fresh[fresh.length - 1] as SequencedEvent).seq;
    while (this.checkpointSeq < upTo) {
      const batch = await this.options.store.eventsAfter(this.checkpointSeq, this.batchSize);
      if (batch.length === 0) break;
      await this.evaluate(batch);
    }
  }

  private async evaluate(batch: SequencedEvent[]): Promise<void> {
    const changes: IncidentChange[] = this.engine.evaluate(batch.map((entry) => entry.event));
    const incidents: Incident[] = [...latestIncidents(changes).values()];
    const resolved = changes.filter((change) => change.type === 'closed').map((change) => change.incident.id);
    const now = this.now().toISOString();
    const notifications = changes.flatMap((change) => planNotifications(change, this.options.routes, now));
    const checkpoint = (batch[batch.length - 1] as SequencedEvent).seq;
    const withState = this.now().getTime() - this.lastStateWrite >= this.stateEveryMs;
    try {
      await this.options.store.commitEvaluation({
        consumer: this.consumer,
        incidents,
        resolved,
        notifications,
        ...(withState ? { checkpoint, baselines: this.engine.takeDirty() } : { baselines: [] }),
      });
    } catch (error) {
      // The engine has moved past what is durable: rebuild it from the store before going on. If
      // even that fails, `needsRestore` stays set and the next delivery tries again first.
      this.needsRestore = true;
      await this.restore().catch(() => undefined);
      throw error;
    }
    this.checkpointSeq = checkpoint;
    if (withState) {
      this.durableSeq = checkpoint;
      this.lastStateWrite = this.now().getTime();
    }
    if (incidents.length > 0) {
      await this.options.bus.publish(
        Topics.incidents,
        incidents.map((incident) => ({ key: incident.id, value: incident })),
      );
    }
  }
}
