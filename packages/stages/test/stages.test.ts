import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryBus } from '@bulwark/bus';
import type { DeliveryResult, Notifier } from '@bulwark/notify';
import { decodeSnapshot, parseRuleFile, RuleEngine } from '@bulwark/rules';
import type { Notification, RawLog } from '@bulwark/schemas';
import { ClassifyStage, NotifyStage, RulesStage, type RulesStageOptions } from '@bulwark/stages';
import { type EvaluationCommit, FileSnapshotStore, SqliteStore } from '@bulwark/store';
import { afterEach, describe, expect, it, vi } from 'vitest';

const RULES = parseRuleFile(
  `
- name: brute_force
  kind: brute_force
  type: threshold
  filter: { bulwark.category: failed_login }
  group_by: [source.ip]
  window: 10m
  threshold: 3
`,
  'test-rules.yaml',
).rules;
const silent = { info: () => {}, warn: () => {}, error: () => {} };
const routes = [{ channel: 'console' as const, recipients: ['log'] }];

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-stages-'));
  dirs.push(dir);
  return dir;
}

function raws(ip: string, count: number, from = 0): RawLog[] {
  return Array.from({ length: count }, (_, i) => ({
    line: `Nov 21 10:00:${String(from + i).padStart(2, '0')} h sshd[1]: Failed password for root from ${ip} port 22 ssh2`,
    received_at: '2026-11-23T00:00:00.000Z',
    transport: 'http' as const,
  }));
}

function rulesStage(
  store: SqliteStore,
  bus: MemoryBus,
  dir: string,
  overrides: Partial<RulesStageOptions> = {},
): RulesStage {
  return new RulesStage({
    store,
    snapshots: new FileSnapshotStore(path.join(dir, 'state')),
    bus,
    createEngine: () => new RuleEngine({ rules: RULES }),
    routes,
    log: silent,
    ...overrides,
  });
}

/** A log that keeps the messages of its errors. */
function errorLog(errors: string[]): RulesStageOptions['log'] {
  return { ...silent, error: (_fields, message) => errors.push(message) };
}

class RecordingNotifier implements Notifier {
  readonly channel = 'console' as const;
  readonly sent: Notification[] = [];
  constructor(private readonly outcomes: DeliveryResult[] = []) {}
  async send(notification: Notification): Promise<DeliveryResult> {
    const outcome = this.outcomes.shift() ?? { ok: true };
    if (outcome.ok) this.sent.push(notification);
    return outcome;
  }
  async close(): Promise<void> {}
}

describe('RulesStage', () => {
  it('evaluates, on start, events that were stored but not evaluated before a crash', async () => {
    const dir = dataDir();
    const store = new SqliteStore({ dataDir: dir });
    // Stored, but no rules stage was running to see them (as after a crash right after the 202).
    await new ClassifyStage(store, new MemoryBus(), {}).accept(raws('192.0.2.1', 4));
    await store.close();

    const reopened = new SqliteStore({ dataDir: dir });
    const bus = new MemoryBus();
    const stage = rulesStage(reopened, bus, dir);
    await stage.start();
    expect(stage.checkpoint).toBe(4);
    const { items } = await reopened.listIncidents({ limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ count: 4, key: { 'source.ip': '192.0.2.1' } });
    await stage.stop();
    await bus.close();
    await reopened.close();
  });

  it('reads from the store the events the bus never handed it (a gap), and counts each once', async () => {
    const dir = dataDir();
    const store = new SqliteStore({ dataDir: dir });
    const bus = new MemoryBus();
    const stage = rulesStage(store, bus, dir);
    await stage.start();
    // Stored while started, but published where the stage does not listen: as if the bus let them go.
    await new ClassifyStage(store, new MemoryBus(), {}).accept(raws('192.0.2.3', 4));
    expect(stage.checkpoint).toBe(0);
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.3', 2, 10));
    await bus.drain();
    expect(stage.checkpoint).toBe(6);
    const { items } = await store.listIncidents({ limit: 10 });
    expect(items.map((i) => i.count)).toEqual([6]);
    await stage.stop();
    await bus.close();
    await store.close();
  });

  it('continues a window across a restart without double counting', async () => {
    const dir = dataDir();
    let store = new SqliteStore({ dataDir: dir });
    let bus = new MemoryBus();
    let stage = rulesStage(store, bus, dir);
    await stage.start();
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.2', 2));
    await bus.drain();
    await stage.stop();
    await bus.close();
    await store.close();

    store = new SqliteStore({ dataDir: dir });
    bus = new MemoryBus();
    stage = rulesStage(store, bus, dir);
    await stage.start();
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.2', 2, 10));
    await bus.drain();
    const { items } = await store.listIncidents({ limit: 10 });
    expect(items.map((i) => i.count)).toEqual([4]);
    await stage.stop();
    await bus.close();
    await store.close();
  });

  it('starts from its snapshot: what was evaluated before is not evaluated again', async () => {
    const dir = dataDir();
    let store = new SqliteStore({ dataDir: dir });
    let bus = new MemoryBus();
    let stage = rulesStage(store, bus, dir);
    await stage.start();
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.9', 2));
    await bus.drain();
    await stage.stop();
    await bus.close();
    await store.close();
    expect(existsSync(path.join(dir, 'state', 'rules-engine.snapshot'))).toBe(true);

    store = new SqliteStore({ dataDir: dir });
    bus = new MemoryBus();
    stage = rulesStage(store, bus, dir);
    const evaluated: number[] = [];
    const original = store.commitEvaluation.bind(store);
    store.commitEvaluation = async (commit: EvaluationCommit) => {
      if (commit.checkpoint === undefined) evaluated.push(commit.incidents.length);
      return original(commit);
    };
    await stage.start();
    expect(stage.checkpoint).toBe(2);
    expect(evaluated).toEqual([]);
    await stage.stop();
    await bus.close();
    await store.close();
  });

  it('sets an unreadable snapshot aside and evaluates every stored event again', async () => {
    const dir = dataDir();
    let store = new SqliteStore({ dataDir: dir });
    let bus = new MemoryBus();
    let stage = rulesStage(store, bus, dir);
    await stage.start();
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.10', 4));
    await bus.drain();
    await stage.stop();
    await bus.close();
    await store.close();
    writeFileSync(path.join(dir, 'state', 'rules-engine.snapshot'), 'not a snapshot at all');

    store = new SqliteStore({ dataDir: dir });
    bus = new MemoryBus();
    const errors: string[] = [];
    stage = rulesStage(store, bus, dir, { log: errorLog(errors) });
    await stage.start();
    expect(errors).toEqual(['rules state snapshot unreadable: evaluating every stored event again']);
    expect(readdirSync(path.join(dir, 'state')).some((name) => name.includes('.unreadable-'))).toBe(true);
    expect(stage.checkpoint).toBe(4);
    const { items } = await store.listIncidents({ limit: 10 });
    // The same incident as before, not a second one.
    expect(items.map((i) => [i.count, i.key['source.ip']])).toEqual([[4, '192.0.2.10']]);
    await stage.stop();
    await bus.close();
    await store.close();
  });

  it('skips redelivered events and rebuilds its state when a commit fails', async () => {
    const dir = dataDir();
    const store = new SqliteStore({ dataDir: dir });
    const bus = new MemoryBus();
    let failNext = true;
    const original = store.commitEvaluation.bind(store);
    store.commitEvaluation = async (commit: EvaluationCommit) => {
      if (failNext && commit.incidents.length > 0) {
        failNext = false;
        throw new Error('disk hiccup');
      }
      return original(commit);
    };
    const stage = rulesStage(store, bus, dir);
    await stage.start();
    const classify = new ClassifyStage(store, bus, {});
    const stored = await classify.accept(raws('192.0.2.3', 3));
    await bus.drain();
    // The same events delivered again (at-least-once) change nothing.
    await bus.publish(
      'bulwark.events.v1',
      stored.map((entry) => ({ value: entry })),
    );
    await bus.drain();
    const { items } = await store.listIncidents({ limit: 10 });
    expect(items.map((i) => i.count)).toEqual([3]);
    expect(failNext).toBe(false);
    expect(await store.listNotifications(items[0]?.id as string)).toHaveLength(1);
    await stage.stop();
    await bus.close();
    await store.close();
  });

  it('snapshots its state without waiting for the commits in flight, and publishes it only once they succeed', async () => {
    const dir = dataDir();
    const store = new SqliteStore({ dataDir: dir });
    const bus = new MemoryBus();
    const snapshots = new FileSnapshotStore(path.join(dir, 'state'));
    const savedCheckpoint = async () => {
      const bytes = await snapshots.load('rules-engine');
      return bytes === null ? null : (decodeSnapshot(bytes).extra as { checkpoint: number }).checkpoint;
    };
    const original = store.commitEvaluation.bind(store);
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let failNext = true;
    store.commitEvaluation = async (commit: EvaluationCommit) => {
      if (commit.incidents.length > 0) {
        await gate;
        if (failNext) {
          failNext = false;
          throw new Error('disk hiccup');
        }
      }
      return original(commit);
    };
    let clock = 0;
    const errors: string[] = [];
    const stage = rulesStage(store, bus, dir, {
      snapshots,
      log: errorLog(errors),
      batchSize: 3,
      snapshotEveryMs: 1000,
      now: () => new Date(clock),
    });
    await stage.start();
    clock = 1000; // a snapshot is due after the next batch, whose commit (an incident opens) waits
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.7', 3));
    await bus.drain();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The stage went on without waiting for that commit: the state is written, not yet published.
    expect(stage.checkpoint).toBe(0);
    expect(await savedCheckpoint()).toBeNull();
    open();
    // The commit failed: no snapshot claims its events; the stage starts over and commits them.
    await vi.waitFor(() => expect(stage.checkpoint).toBe(3));
    expect(errors).toContain('rules state snapshot failed');
    expect(await savedCheckpoint()).toBeNull();
    await stage.stop();
    expect(await savedCheckpoint()).toBe(3);
    const { items } = await store.listIncidents({ limit: 10 });
    expect(items.map((i) => i.count)).toEqual([3]);
    expect(await store.listNotifications(items[0]?.id as string)).toHaveLength(1);
    await bus.close();
    await store.close();
  });

  it('evaluates the next batches while commits are in flight, and starts over from its snapshot when one fails, with no delivery after it', async () => {
    const dir = dataDir();
    const store = new SqliteStore({ dataDir: dir });
    const bus = new MemoryBus();
    const original = store.commitEvaluation.bind(store);
    let inFlight = 0;
    let most = 0;
    let failNext = true;
    store.commitEvaluation = async (commit: EvaluationCommit) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (failNext && commit.incidents.length > 0) {
          failNext = false;
          throw new Error('disk hiccup');
        }
        return await original(commit);
      } finally {
        inFlight -= 1;
      }
    };
    const errors: string[] = [];
    const stage = rulesStage(store, bus, dir, { log: errorLog(errors), batchSize: 2 });
    await stage.start();
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.7', 12));
    await bus.drain();
    // Every batch was full, so the stage kept pace without waiting for its commits; the failure
    // comes after the last delivery, and the stage recovers without waiting for another.
    await vi.waitFor(() => expect(stage.checkpoint).toBe(12), { timeout: 5000 });
    expect(most).toBeGreaterThan(1);
    expect(failNext).toBe(false);
    expect(errors).toContain('rules stage commit failed: evaluating again from the snapshot');
    const { items } = await store.listIncidents({ limit: 10 });
    expect(items.map((i) => i.count)).toEqual([12]);
    expect(await store.listNotifications(items[0]?.id as string)).toHaveLength(1);
    await stage.stop();
    await bus.close();
    await store.close();
  });
});

describe('NotifyStage', () => {
  it('delivers each new incident once, retrying retryable failures', async () => {
    const dir = dataDir();
    const store = new SqliteStore({ dataDir: dir });
    const bus = new MemoryBus();
    const notifier = new RecordingNotifier([{ ok: false, retryable: true, error: 'try later' }]);
    let now = Date.now() + 60_000;
    const notify = new NotifyStage({ store, bus, notifiers: [notifier], log: silent, now: () => now });
    const stage = rulesStage(store, bus, dir);
    await stage.start();
    await notify.start();
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.4', 5));
    await bus.drain();
    await notify.deliverDue();
    expect(notifier.sent).toHaveLength(0);
    now += 10 * 60_000;
    await notify.deliverDue();
    await notify.deliverDue();
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]?.subject).toBe('[medium] brute_force source.ip=192.0.2.4');
    const [incident] = (await store.listIncidents({ limit: 1 })).items;
    expect(await store.listNotifications(incident?.id as string)).toEqual([
      expect.objectContaining({ status: 'sent', attempts: 2 }),
    ]);
    await notify.stop();
    await stage.stop();
    await bus.close();
    await store.close();
  });

  it('records permanent failures and does not retry them', async () => {
    const dir = dataDir();
    const store = new SqliteStore({ dataDir: dir });
    const bus = new MemoryBus();
    const notifier = new RecordingNotifier([{ ok: false, retryable: false, error: 'no such recipient' }]);
    const notify = new NotifyStage({ store, bus, notifiers: [notifier], log: silent });
    const stage = rulesStage(store, bus, dir);
    await stage.start();
    await notify.start();
    await new ClassifyStage(store, bus, {}).accept(raws('192.0.2.5', 3));
    await bus.drain();
    await notify.deliverDue();
    const [incident] = (await store.listIncidents({ limit: 1 })).items;
    expect(await store.listNotifications(incident?.id as string)).toEqual([
      expect.objectContaining({ status: 'failed', last_error: 'no such recipient' }),
    ]);
    expect(notifier.sent).toHaveLength(0);
    await notify.stop();
    await stage.stop();
    await bus.close();
    await store.close();
  });
});
