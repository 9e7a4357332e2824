import type { Bus, Subscription } from '@bulwark/bus';
import type { Notifier } from '@bulwark/notify';
import { type Channel, type Notification, Topics } from '@bulwark/schemas';
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
  now?: () => number;
}

const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 300_000;

/**
 * Delivers the outbox: each pending notification through the notifier of its channel, recording
 * the outcome. Wakes on the incidents topic and on a timer for retries. One delivery loop at a time.
 */
export class NotifyStage {
  private readonly notifiers: Map<Channel, Notifier>;
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly now: () => number;

  constructor(private readonly options: NotifyStageOptions) {
    this.notifiers = new Map(options.notifiers.map((notifier) => [notifier.channel, notifier]));
    this.now = options.now ?? Date.now;
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

  private async pass(): Promise<void> {
    for (;;) {
      const due = await this.options.store.dueNotifications(this.now(), 100);
      if (due.length === 0) return;
      for (const notification of due) await this.deliver(notification);
      if (due.length < 100) return;
    }
  }

  private async deliver(notification: Notification): Promise<void> {
    const notifier = this.notifiers.get(notification.channel);
    if (!notifier) {
      await this.options.store.markNotificationFailed(
        notification.id,
        `no ${notification.channel} channel`,
        null,
      );
      return;
    }
    let result: Awaited<ReturnType<Notifier['send']>>;
    try {
      result = await notifier.send(notification);
    } catch (error) {
      result = { ok: false, retryable: true, error: error instanceof Error ? error.message : String(error) };
    }
    if (result.ok) {
      await this.options.store.markNotificationSent(notification.id, new Date(this.now()).toISOString());
      return;
    }
    const attempts = notification.attempts + 1;
    const giveUp = !result.retryable || attempts >= (this.options.maxAttempts ?? 10);
    const backoff =
      Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
    await this.options.store.markNotificationFailed(
      notification.id,
      result.error,
      giveUp ? null : this.now() + backoff,
    );
    this.options.log.warn(
      { notification: notification.id, channel: notification.channel, attempts, error: result.error, giveUp },
      'notification not delivered',
    );
  }
}
