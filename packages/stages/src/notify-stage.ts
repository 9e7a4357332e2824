import type { Bus, Subscription } from '@bulwark/bus';
import {
  type BackoffOptions,
  backoffDelay,
  type Composer,
  DEFAULT_BACKOFF,
  type DeliveryResult,
  type DeliveryRules,
  NO_DELIVERY_RULES,
  type Notifier,
  type Outbound,
  plainComposer,
  schedule,
  type Usage,
} from '@bulwark/notify';
import { type Channel, type MetricSample, type Notification, Topics } from '@bulwark/schemas';
import type { Store } from '@bulwark/store';

export interface NotifyStageLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface NotifyStageOptions {
  store: Store;
  bus: Bus;
  notifiers: readonly Notifier[];
  log: NotifyStageLog;
  /** How often due retries are looked for when nothing new arrives. */
  pollMs?: number;
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** Wall clock for every delivery decision: due times, backoff, quiet hours, rate limits. */
  now?: () => number;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Quiet hours and rate limits; none by default. */
  rules?: DeliveryRules;
  /** Renders and addresses each message; by default the row's own subject, body and recipient. */
  composer?: Composer;
  /** How long an attempt may stay in flight before another pass takes it for abandoned. */
  leaseMs?: number;
}

const BATCH = 1000;
/** Most rows of fold groups (digests, rate-limit overflow) read at once, so that each folds whole. */
const FOLD_BATCH = 20_000;
/** Rounds of "read due, act" per pass; each round settles every row it read. */
const MAX_ROUNDS = 50;

type Counter =
  | 'sent'
  | 'failed'
  | 'retried'
  | 'deferred'
  | 'folded'
  | 'summaries'
  | 'reconciled_delivered'
  | 'reconciled_not_delivered';

/**
 * Delivers the outbox: each due notification through the notifier of its channel, recording the
 * outcome. Wakes on the incidents topic and on a timer for retries. One delivery pass at a time.
 *
 * A pass: (1) rows left in flight by a crash (all of them on the first pass after start; later,
 * those whose lease ran out) go back to pending, marked in doubt if they had reached their commit
 * point; (2) due rows are scheduled: digests and rate-limit overflow folded into summaries, quiet
 * hours and full rate-limit windows deferred; (3) the rest is delivered one by one: a row in doubt
 * is first reconciled with the provider; then it is claimed (in flight, attempt counted), composed,
 * handed to the notifier with a commit hook, and settled: sent, retry later with exponential
 * backoff and jitter, or failed for good (permanent error, or attempts exhausted).
 */
export class NotifyStage {
  private readonly notifiers: Map<Channel, Notifier>;
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private recoveredAll = false;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly rules: DeliveryRules;
  private readonly composer: Composer;
  private readonly counters = new Map<string, number>();

  constructor(private readonly options: NotifyStageOptions) {
    this.notifiers = new Map(options.notifiers.map((notifier) => [notifier.channel, notifier]));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.rules = options.rules ?? NO_DELIVERY_RULES;
    this.composer = options.composer ?? plainComposer;
  }

  async start(): Promise<void> {
    this.subscription = this.options.bus.subscribe(Topics.incidents, 'notifier', async () =>
      this.deliverDue(),
    );
    this.timer = setInterval(() => void this.deliverDue(), this.options.pollMs ?? 1_000);
    this.timer.unref();
    await this.deliverDue();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.subscription?.stop();
    this.subscription = null;
    await this.running;
    await Promise.all([...this.notifiers.values()].map((notifier) => notifier.close()));
  }

  /** Sends everything due; if called while a pass runs, one more pass follows it. */
  deliverDue(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } catch (error) {
        this.options.log.error({ err: error }, 'notification pass failed');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Counters since start, per channel, as `bulwark_notify_<outcome>_total{stage,channel}`. */
  metrics(): MetricSample[] {
    return [...this.counters].map(([key, value]) => {
      const [name, channel] = key.split('\n') as [string, string];
      return {
        name: `bulwark_notify_${name}_total`,
        type: 'counter' as const,
        labels: { stage: 'notify', channel },
        value,
      };
    });
  }

  private count(name: Counter, channel: Channel, by = 1): void {
    const key = `${name}\n${channel}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  private async pass(): Promise<void> {
    await this.recover();
    const folded = await this.options.store.dueFoldedNotifications(this.now(), FOLD_BATCH);
    if (folded.length > 0) await this.act(folded);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const due = await this.options.store.dueNotifications(this.now(), BATCH);
      if (due.length === 0) return;
      await this.act(due);
      if (due.length < BATCH) return;
    }
  }

  /** Schedules due rows and carries the plan out: folds, deferrals, then deliveries. */
  private async act(due: readonly Notification[]): Promise<void> {
    const nowMs = this.now();
    const usage = await this.usageFor(due, nowMs);
    const plan = schedule(due, {
      nowMs,
      rules: this.rules,
      usage: (channel, recipient) => usage.get(`${channel}\n${recipient}`) ?? { count: 0, oldestMs: null },
    });
    for (const fold of plan.folds) {
      await this.options.store.foldNotifications(
        fold.members.map((member) => member.id),
        fold.summary,
      );
      this.count('folded', fold.summary.channel, fold.members.length);
      this.count('summaries', fold.summary.channel);
    }
    const channels = new Map<string, Channel>(due.map((n) => [n.id, n.channel]));
    for (const fold of plan.folds) channels.set(fold.summary.id, fold.summary.channel);
    for (const deferral of plan.defer) {
      await this.options.store.deferNotification(
        deferral.id,
        deferral.untilMs,
        deferral.note,
        deferral.foldKey,
      );
      this.count('deferred', channels.get(deferral.id) ?? 'console');
    }
    for (const notification of plan.send) await this.deliver(notification);
  }

  /** Rows left in flight go back to pending; in doubt if they had reached their commit point. */
  private async recover(): Promise<void> {
    const nowMs = this.now();
    const leaseExpiredBy = this.recoveredAll ? nowMs : null;
    for (;;) {
      const stale = await this.options.store.inFlightNotifications(leaseExpiredBy, BATCH);
      for (const { notification, phase } of stale) {
        const inDoubt = phase === 'committing';
        await this.options.store.settleNotification(notification.id, {
          status: 'pending',
          retryAtMs: nowMs,
          error: null,
          inDoubt,
          note: inDoubt
            ? 'an attempt was interrupted after handing the message over; checking before sending again'
            : 'an attempt was interrupted before handing the message over',
        });
        this.options.log.warn(
          { notification: notification.id, channel: notification.channel, inDoubt },
          'notification attempt interrupted',
        );
      }
      if (stale.length < BATCH) break;
    }
    this.recoveredAll = true;
  }

  private async usageFor(due: readonly Notification[], nowMs: number): Promise<Map<string, Usage>> {
    const usage = new Map<string, Usage>();
    for (const channel of new Set(due.map((notification) => notification.channel))) {
      const limit = this.rules.limit(channel);
      if (!limit) continue;
      // The window is (now - per, now]: a message sent exactly `per` ago has left it.
      for (const row of await this.options.store.recentDeliveries(channel, nowMs - limit.perMs + 1)) {
        usage.set(`${channel}\n${row.recipient}`, { count: row.count, oldestMs: row.oldestMs });
      }
    }
    return usage;
  }

  private async deliver(notification: Notification): Promise<void> {
    const { store } = this.options;
    const notifier = this.notifiers.get(notification.channel);
    if (!notifier) {
      await store.settleNotification(notification.id, {
        status: 'failed',
        error: `no ${notification.channel} channel is configured`,
      });
      this.count('failed', notification.channel);
      return;
    }
    const incident = notification.incident_id ? await store.getIncident(notification.incident_id) : null;
    const composed = await this.composer
      .compose({ notification, incident, nowMs: this.now() })
      .catch((error: unknown) => ({ ok: false as const, retryable: true, error: errorText(error) }));

    if (composed.ok && notification.in_doubt && notifier.reconcile && notification.last_attempt_at) {
      const message = this.outbound(notification, composed.address, composed.content);
      const answer = await notifier
        .reconcile(message, Date.parse(notification.last_attempt_at))
        .catch((error: unknown) => ({ state: 'unknown' as const, error: errorText(error) }));
      if (answer.state === 'delivered') {
        await store.settleNotification(notification.id, {
          status: 'sent',
          sentAt: new Date(this.now()).toISOString(),
          providerId: answer.providerId ?? null,
          note: answer.note,
        });
        this.count('reconciled_delivered', notification.channel);
        this.count('sent', notification.channel);
        return;
      }
      if (answer.state === 'unknown') {
        await this.settleFailure(
          notification,
          { ok: false, retryable: true, uncertain: true, error: answer.error },
          0,
        );
        return;
      }
      this.count('reconciled_not_delivered', notification.channel);
    }

    const nowMs = this.now();
    if (!(await store.claimNotification(notification.id, nowMs, nowMs + (this.options.leaseMs ?? 600_000)))) {
      return;
    }
    if (!composed.ok) {
      // Nothing was handed over; a doubt about an earlier attempt stays until it can be checked.
      await this.settleFailure(
        notification,
        {
          ok: false,
          retryable: composed.retryable,
          error: composed.error,
          uncertain: notification.in_doubt === true,
        },
        1,
      );
      return;
    }
    let committed = false;
    const message = this.outbound(notification, composed.address, composed.content, async () => {
      await store.markNotificationCommitting(notification.id);
      committed = true;
    });
    let result: DeliveryResult;
    try {
      result = await notifier.send(message);
    } catch (error) {
      result = { ok: false, retryable: true, error: errorText(error) };
    }
    if (result.ok) {
      await store.settleNotification(notification.id, {
        status: 'sent',
        sentAt: new Date(this.now()).toISOString(),
        providerId: result.providerId ?? null,
      });
      this.count('sent', notification.channel);
      return;
    }
    await this.settleFailure(
      notification,
      { ...result, uncertain: committed && result.uncertain === true },
      1,
    );
  }

  private outbound(
    notification: Notification,
    address: string,
    content: Outbound['content'],
    commit: () => Promise<void> = async () => {},
  ): Outbound {
    return { ...notification, address, content, commit };
  }

  /** A retry with backoff, or failed for good; `attemptsAdded` is how many attempts this pass made. */
  private async settleFailure(
    notification: Notification,
    result: DeliveryResult & { ok: false },
    attemptsAdded: number,
  ): Promise<void> {
    const attempts = notification.attempts + attemptsAdded;
    const maxAttempts = this.options.maxAttempts ?? 10;
    const giveUp = !result.retryable || attempts >= maxAttempts;
    if (giveUp) {
      const error = result.retryable ? `gave up after ${attempts} attempts: ${result.error}` : result.error;
      await this.options.store.settleNotification(notification.id, { status: 'failed', error });
      this.count('failed', notification.channel);
    } else {
      const retryAtMs =
        this.now() +
        backoffDelay(Math.max(1, attempts), this.random(), this.options.backoff ?? DEFAULT_BACKOFF);
      await this.options.store.settleNotification(notification.id, {
        status: 'pending',
        retryAtMs,
        error: result.error,
        inDoubt: result.uncertain === true,
        note: null,
      });
      this.count('retried', notification.channel);
    }
    this.options.log.warn(
      {
        notification: notification.id,
        channel: notification.channel,
        attempts,
        error: result.error,
        giveUp,
      },
      'notification not delivered',
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
