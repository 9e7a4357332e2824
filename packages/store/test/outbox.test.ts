import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Incident, Notification } from '@bulwark/schemas';
import { SqliteStore } from '@bulwark/store';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../src/sqlite/driver.js';
import { MIGRATIONS } from '../src/sqlite/migrations.js';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
function open(dataDir = mkdtempSync(path.join(tmpdir(), 'bulwark-outbox-'))) {
  if (!dirs.includes(dataDir)) dirs.push(dataDir);
  const store = new SqliteStore({ dataDir });
  stores.push(store);
  return { store, dataDir };
}
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-11-21T10:00:00Z');

function incident(id: string, overrides: Partial<Incident> = {}): Incident {
  return {
    id,
    kind: 'new_ip_login',
    severity: 'medium',
    status: 'open',
    key: { 'user.name': 'alice' },
    first_seen: '2026-11-21T09:59:00.000Z',
    last_seen: '2026-11-21T09:59:00.000Z',
    count: 1,
    summary: 'alice logged in from a new address',
    rule: 'new_ip_login',
    evidence: [],
    ...overrides,
  };
}

function row(id: string, overrides: Partial<Notification> = {}): Notification {
  return {
    id,
    incident_id: 'inc_1',
    channel: 'sms',
    recipient: '+15551230001',
    severity: 'medium',
    subject: `subject ${id}`,
    body: `body ${id}`,
    status: 'pending',
    attempts: 0,
    last_error: null,
    created_at: new Date(T0).toISOString(),
    sent_at: null,
    payload: {
      template: 'incident',
      incident: {
        kind: 'new_ip_login',
        key: { 'user.name': 'alice' },
        count: 1,
        summary: 's',
        first_seen: '2026-11-21T09:59:00.000Z',
        last_seen: '2026-11-21T09:59:00.000Z',
      },
    },
    ...overrides,
  };
}

async function seed(store: SqliteStore, notifications: Notification[], incidents = [incident('inc_1')]) {
  await store.commitEvaluation({
    consumer: 'test',
    checkpoint: 1,
    incidents,
    resolved: [],
    notifications,
  });
}

describe('the outbox', () => {
  it('keeps payload, due time and fold key, and holds a digest row back until it is due', async () => {
    const { store } = open();
    const later = new Date(T0 + 3_600_000).toISOString();
    await seed(store, [row('n1'), row('n2', { next_attempt_at: later, fold_key: `digest@${later}` })]);
    expect((await store.dueNotifications(T0, 10)).map((n) => n.id)).toEqual(['n1']);
    const due = await store.dueNotifications(T0 + 3_600_000, 10);
    expect(due.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(due[1]).toMatchObject({
      payload: row('n2').payload,
      next_attempt_at: later,
      fold_key: `digest@${later}`,
      in_doubt: false,
    });
  });

  it('claims, commits and settles an attempt; a claim is exclusive', async () => {
    const { store } = open();
    await seed(store, [row('n1')]);
    expect(await store.claimNotification('n1', T0, T0 + 60_000)).toBe(true);
    expect(await store.claimNotification('n1', T0, T0 + 60_000)).toBe(false);
    expect(await store.dueNotifications(T0 + 120_000, 10)).toEqual([]);
    await store.markNotificationCommitting('n1');
    let [listed] = await store.listNotifications('inc_1');
    expect(listed).toMatchObject({
      status: 'sending',
      attempts: 1,
      in_doubt: true,
      last_attempt_at: new Date(T0).toISOString(),
    });
    await store.settleNotification('n1', {
      status: 'sent',
      sentAt: new Date(T0 + 1000).toISOString(),
      providerId: 'SM123',
    });
    [listed] = await store.listNotifications('inc_1');
    expect(listed).toMatchObject({
      status: 'sent',
      attempts: 1,
      in_doubt: false,
      provider_id: 'SM123',
      next_attempt_at: null,
    });
  });

  it('finds attempts left in flight: all at start, or those whose lease ran out', async () => {
    const { store, dataDir } = open();
    await seed(store, [row('n1'), row('n2')]);
    await store.claimNotification('n1', T0, T0 + 60_000);
    await store.markNotificationCommitting('n1');
    await store.claimNotification('n2', T0, T0 + 600_000);
    await store.close();
    const { store: reopened } = open(dataDir);
    const all = await reopened.inFlightNotifications(null, 10);
    expect(all.map((entry) => [entry.notification.id, entry.phase])).toEqual([
      ['n1', 'committing'],
      ['n2', 'claimed'],
    ]);
    expect(
      (await reopened.inFlightNotifications(T0 + 60_000, 10)).map((entry) => entry.notification.id),
    ).toEqual(['n1']);
  });

  it('keeps a doubt on a retried row until it is settled', async () => {
    const { store } = open();
    await seed(store, [row('n1')]);
    await store.claimNotification('n1', T0, T0 + 60_000);
    await store.markNotificationCommitting('n1');
    await store.settleNotification('n1', {
      status: 'pending',
      retryAtMs: T0 + 5000,
      error: 'Twilio 500',
      inDoubt: true,
    });
    const [due] = await store.dueNotifications(T0 + 5000, 10);
    expect(due).toMatchObject({ status: 'pending', in_doubt: true, last_error: 'Twilio 500', attempts: 1 });
    await store.settleNotification('n1', { status: 'failed', error: 'gave up' });
    expect((await store.listNotifications('inc_1'))[0]).toMatchObject({
      status: 'failed',
      in_doubt: false,
      last_error: 'gave up',
    });
  });

  it('defers without counting an attempt', async () => {
    const { store } = open();
    await seed(store, [row('n1')]);
    await store.deferNotification('n1', T0 + 3_600_000, 'held by quiet hours');
    expect(await store.dueNotifications(T0, 10)).toEqual([]);
    const [due] = await store.dueNotifications(T0 + 3_600_000, 10);
    expect(due).toMatchObject({ attempts: 0, note: 'held by quiet hours' });
  });

  it('folds rows into a summary atomically, and lists the summary with each incident', async () => {
    const { store } = open();
    await seed(
      store,
      [row('n1'), row('n2', { incident_id: 'inc_2' }), row('n3')],
      [incident('inc_1'), incident('inc_2')],
    );
    const summary = row('s1', {
      incident_id: '',
      payload: { template: 'summary', reason: 'rate_limit', items: [] },
    });
    await store.claimNotification('n3', T0, T0 + 1000);
    await expect(store.foldNotifications(['n1', 'n3'], summary)).rejects.toThrow(/no longer pending/);
    expect((await store.dueNotifications(T0, 10)).map((n) => n.id)).toEqual(['n1', 'n2']);
    await store.foldNotifications(['n1', 'n2'], summary);
    expect((await store.dueNotifications(T0, 10)).map((n) => n.id)).toEqual(['s1']);
    expect(
      (await store.listNotifications('inc_2')).map((n) => [n.id, n.status, n.folded_into ?? null]),
    ).toEqual([
      ['n2', 'folded', 's1'],
      ['s1', 'pending', null],
    ]);
  });

  it('counts what each recipient was sent or is being sent since a time', async () => {
    const { store } = open();
    await seed(store, [
      row('n1'),
      row('n2'),
      row('n3'),
      row('n4', { recipient: '+15551230002' }),
      row('e1', { channel: 'email' }),
    ]);
    for (const [id, at] of [
      ['n1', T0],
      ['n2', T0 + 10_000],
      ['n3', T0 + 20_000],
      ['n4', T0],
      ['e1', T0],
    ] as const) {
      await store.claimNotification(id, at, at + 1000);
    }
    await store.settleNotification('n1', { status: 'sent', sentAt: new Date(T0).toISOString() });
    await store.settleNotification('n3', { status: 'pending', retryAtMs: T0, error: 'x', inDoubt: false });
    expect(await store.recentDeliveries('sms', T0)).toEqual([
      { recipient: '+15551230001', count: 2, oldestMs: T0 },
      { recipient: '+15551230002', count: 1, oldestMs: T0 },
    ]);
    expect(await store.recentDeliveries('sms', T0 + 5000)).toEqual([
      { recipient: '+15551230001', count: 1, oldestMs: T0 + 10_000 },
    ]);
  });
});

describe('user reports', () => {
  it('marks the incident reported, raises it, queues the team once, and keeps it high', async () => {
    const { store } = open();
    await seed(store, []);
    const reportedAt = new Date(T0).toISOString();
    const report = {
      incidentId: 'inc_1',
      reportedAt,
      reportedBy: 'alice',
      raiseTo: 'high' as const,
      notifications: [row('r1', { severity: 'high', channel: 'email', recipient: 'soc@example.com' })],
    };
    expect(await store.reportIncident(report)).toEqual({
      state: 'reported',
      reportedAt,
      reportedBy: 'alice',
      severity: 'high',
    });
    expect(
      await store.reportIncident({
        ...report,
        reportedAt: new Date(T0 + 1000).toISOString(),
        notifications: [row('r2')],
      }),
    ).toEqual({
      state: 'already_reported',
      reportedAt,
      reportedBy: 'alice',
      severity: 'high',
    });
    expect((await store.listNotifications('inc_1')).map((n) => n.id)).toEqual(['r1']);
    expect(await store.incidentReport('inc_1')).toEqual({ reportedAt, reportedBy: 'alice' });
    expect(await store.incidentReport('inc_404')).toBeNull();
    expect(await store.reportIncident({ ...report, incidentId: 'inc_404' })).toEqual({ state: 'not_found' });

    // The rules engine does not know of the report: its next update writes medium back.
    await seed(store, [], [incident('inc_1', { count: 2, severity: 'medium' })]);
    expect(await store.getIncident('inc_1')).toMatchObject({ count: 2, severity: 'high' });
    await seed(store, [], [incident('inc_1', { count: 3, severity: 'critical' })]);
    expect(await store.getIncident('inc_1')).toMatchObject({ severity: 'critical' });
  });

  it('does not lower a severity already above the raise', async () => {
    const { store } = open();
    await seed(store, [], [incident('inc_1', { severity: 'critical' })]);
    const outcome = await store.reportIncident({
      incidentId: 'inc_1',
      reportedAt: new Date(T0).toISOString(),
      reportedBy: 'alice',
      raiseTo: 'high',
      notifications: [],
    });
    expect(outcome).toMatchObject({ state: 'reported', severity: 'critical' });
  });
});

describe('migration 2', () => {
  it('upgrades a database made by the first schema, keeping its outbox', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bulwark-outbox-'));
    dirs.push(dataDir);
    const db = new Database(path.join(dataDir, 'bulwark.db'));
    db.exec(MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO outbox (id, incident_id, channel, recipient, severity, subject, body, status, attempts,
                           last_error, next_attempt_at, created_at, sent_at)
       VALUES ('old', 'inc_1', 'console', 'log', 'medium', 's', 'b', 'pending', 0, NULL, ?, ?, NULL)`,
    ).run(T0, T0);
    db.close();
    const { store } = open(dataDir);
    const [old] = await store.dueNotifications(T0, 10);
    expect(old).toMatchObject({ id: 'old', payload: null, fold_key: null, in_doubt: false, subject: 's' });
  });
});
