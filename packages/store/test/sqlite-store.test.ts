import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Incident, Notification, SecurityEvent } from '@bulwark/schemas';
import { SqliteStore, SqliteWorkerStore, type Store } from '@bulwark/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../src/sqlite/driver.js';
import { MIGRATIONS } from '../src/sqlite/migrations.js';

/** Both adapters: SQLite on the calling thread, and the same on a worker thread. */
const ADAPTERS: [string, (dataDir: string) => Promise<Store>][] = [
  ['SqliteStore', async (dataDir) => new SqliteStore({ dataDir })],
  ['SqliteWorkerStore', (dataDir) => SqliteWorkerStore.open({ dataDir })],
];

const dirs: string[] = [];
const stores: Store[] = [];
let openStore: (dataDir: string) => Promise<Store>;
async function open(dataDir = mkdtempSync(path.join(tmpdir(), 'bulwark-store-'))): Promise<{
  store: Store;
  dataDir: string;
}> {
  dirs.push(dataDir);
  const store = await openStore(dataDir);
  stores.push(store);
  return { store, dataDir };
}
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function event(id: string, ip: string, second: number): SecurityEvent {
  return {
    '@timestamp': new Date(Date.UTC(2026, 10, 21, 10, 0, second)).toISOString(),
    'event.id': id,
    'event.dataset': 'sshd',
    'bulwark.category': 'failed_login',
    'source.ip': ip,
    'user.name': 'root',
    message: `line ${id}`,
  };
}

function incident(id: string, overrides: Partial<Incident> = {}): Incident {
  return {
    id,
    kind: 'brute_force',
    severity: 'medium',
    status: 'open',
    key: { 'source.ip': '192.0.2.1' },
    first_seen: '2026-11-21T10:00:00.000Z',
    last_seen: '2026-11-21T10:00:05.000Z',
    count: 5,
    summary: '5 failed logins',
    rule: 'brute_force',
    evidence: ['a', 'b'],
    ...overrides,
  };
}

function notification(id: string, incidentId: string): Notification {
  return {
    id,
    incident_id: incidentId,
    channel: 'console',
    recipient: 'log',
    severity: 'medium',
    subject: 's',
    body: 'b',
    status: 'pending',
    attempts: 0,
    last_error: null,
    created_at: '2026-11-21T10:00:06.000Z',
    sent_at: null,
  };
}

describe.each(ADAPTERS)('%s', (name, adapter) => {
  beforeEach(() => {
    openStore = adapter;
  });

  it('appends events with growing seqs and keeps them across a reopen', async () => {
    const { store, dataDir } = await open();
    const stored = await store.appendEvents([event('a', '192.0.2.1', 0), event('b', '192.0.2.2', 1)]);
    expect(stored.map((s) => s.seq)).toEqual([1, 2]);
    await store.close();
    const { store: reopened } = await open(dataDir);
    expect(await reopened.countEvents()).toBe(2);
    expect((await reopened.eventsAfter(1, 10)).map((s) => s.event['event.id'])).toEqual(['b']);
    const next = await reopened.appendEvents([event('c', '192.0.2.1', 2)]);
    expect(next[0]?.seq).toBe(3);
  });

  it('gives back every event exactly as it was appended, whichever fields it has', async () => {
    const { store } = await open();
    const full: SecurityEvent = {
      ...event('a', '192.0.2.1', 0),
      'event.action': 'ssh_login',
      'event.outcome': 'failure',
      'event.category': ['authentication'],
      'source.port': 40001,
      'host.name': 'bastion',
      'process.pid': 1001,
    };
    const bare: SecurityEvent = {
      '@timestamp': '2026-11-21T10:00:01.000Z',
      'event.id': 'b',
      'event.dataset': 'app',
      'bulwark.category': 'other',
      message: 'no address, no user',
    };
    // Spellings the time column cannot reproduce: an offset, no milliseconds.
    const offset: SecurityEvent = { ...bare, 'event.id': 'c', '@timestamp': '2026-11-21T11:00:02.500+01:00' };
    const seconds: SecurityEvent = { ...bare, 'event.id': 'd', '@timestamp': '2026-11-21T10:00:03Z' };
    await store.appendEvents([full, bare, offset, seconds]);
    expect((await store.eventsAfter(0, 10)).map((s) => s.event)).toEqual([full, bare, offset, seconds]);
    expect((await store.searchEvents({ limit: 10 })).items).toEqual([seconds, offset, bare, full]);
    expect((await store.searchEvents({ limit: 10, user: 'root' })).items).toEqual([full]);
    expect((await store.searchEvents({ limit: 10, dataset: 'app', category: 'other' })).items).toHaveLength(
      3,
    );
  });

  it('migrates a schema 2 database: events read back whole, seqs go on, baselines dropped', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bulwark-store-'));
    const old = new Database(path.join(dataDir, 'bulwark.db'));
    old.pragma('journal_mode = WAL');
    old.exec(MIGRATIONS[0] as string);
    old.exec(MIGRATIONS[1] as string);
    old.pragma('user_version = 2');
    const insert = old.prepare(
      'INSERT INTO events (id, ts, dataset, category, source_ip, user_name, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const before = [event('a', '192.0.2.1', 0), event('b', '192.0.2.2', 1)];
    for (const e of before) {
      insert.run(
        e['event.id'],
        Date.parse(e['@timestamp']),
        e['event.dataset'],
        e['bulwark.category'],
        e['source.ip'],
        e['user.name'],
        JSON.stringify(e),
      );
    }
    old.prepare("INSERT INTO baselines (rule, key, state) VALUES ('r', 'k', '{}')").run();
    old.close();

    const { store } = await open(dataDir);
    expect((await store.eventsAfter(0, 10)).map((s) => s.event)).toEqual(before);
    expect((await store.searchEvents({ limit: 10, ip: '192.0.2.2' })).items).toEqual([before[1]]);
    const next = await store.appendEvents([event('c', '192.0.2.1', 2)]);
    expect(next[0]?.seq).toBe(3);
    expect(
      (await store.searchEvents({ limit: 10, ip: '192.0.2.1' })).items.map((e) => e['event.id']),
    ).toEqual(['c', 'a']);
    await store.close();
    const db = new Database(path.join(dataDir, 'bulwark.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'baselines'").all()).toEqual([]);
    const doc = JSON.parse(
      (db.prepare("SELECT doc FROM events WHERE id = 'a'").get() as { doc: string }).doc,
    );
    expect(Object.keys(doc).sort()).toEqual(['@timestamp', 'message']);
    db.close();
  });

  it('stores appends made back to back, without waiting, in the order made', async () => {
    const { store } = await open();
    const calls = Array.from({ length: 20 }, (_, b) =>
      store.appendEvents(Array.from({ length: 50 }, (_, i) => event(`e${b * 50 + i}`, '192.0.2.1', i))),
    );
    const seqs = (await Promise.all(calls)).flat().map((s) => s.seq);
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect((await store.eventsAfter(995, 10)).map((s) => s.event['event.id'])).toEqual([
      'e995',
      'e996',
      'e997',
      'e998',
      'e999',
    ]);
  });

  it('answers a read of events ahead of appends sent just before it (the worker: without waiting for their commit)', async () => {
    const { store } = await open();
    const order: string[] = [];
    const big = store
      .appendEvents(Array.from({ length: 50_000 }, (_, i) => event(`c${i}`, '192.0.2.1', i)))
      .then(() => order.push('big append'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const small = store.appendEvents([event('d', '192.0.2.2', 0)]).then(() => order.push('small append'));
    const read = store.eventsAfter(49_995, 10).then((events) => {
      order.push('read');
      return events;
    });
    const ids = (await read).map((s) => s.event['event.id']);
    await Promise.all([big, small]);
    const bigIds = ['c49995', 'c49996', 'c49997', 'c49998', 'c49999'];
    if (name === 'SqliteWorkerStore') {
      // The read runs as soon as the worker is free, before the writes that arrived with it, and is
      // answered before their commit: it sees the big append only if that was committed first.
      expect(order.indexOf('read')).toBeLessThan(order.indexOf('small append'));
      expect([[], bigIds]).toContainEqual(ids);
    } else {
      // In process every call runs in the order made.
      expect(order).toEqual(['big append', 'small append', 'read']);
      expect(ids).toEqual([...bigIds, 'd']);
    }
  });

  it('never stores a batch after an earlier one that failed; it can be retried after it', async () => {
    const { store } = await open();
    await store.appendEvents([event('a', '192.0.2.1', 0)]);
    const outcomes = await Promise.allSettled([
      store.appendEvents([event('b', '192.0.2.1', 1)]),
      store.appendEvents([event('c', '192.0.2.1', 2), event('a', '192.0.2.1', 3)]),
      store.appendEvents([event('d', '192.0.2.1', 4)]),
    ]);
    expect(outcomes[0]?.status).toBe('fulfilled');
    expect(outcomes[1]?.status).toBe('rejected');
    // Made before the failure was known: stored (the store runs appends one by one) or refused as
    // unavailable (SqliteWorkerStore), never stored ahead of a retry of the failed one.
    const third = outcomes[2] as PromiseSettledResult<unknown>;
    if (third.status === 'rejected') {
      expect(third.reason).toMatchObject({ code: 'BWK_ERR_STORE_UNAVAILABLE' });
      await store.appendEvents([event('c', '192.0.2.1', 2)]);
      await store.appendEvents([event('d', '192.0.2.1', 4)]);
      expect((await store.eventsAfter(0, 10)).map((s) => s.event['event.id'])).toEqual(['a', 'b', 'c', 'd']);
    } else {
      expect((await store.eventsAfter(0, 10)).map((s) => s.event['event.id'])).toEqual(['a', 'b', 'd']);
    }
  });

  it('rejects calls once closed, as unavailable', async () => {
    const { store } = await open();
    await store.close();
    await expect(store.countEvents()).rejects.toThrow();
  });

  it('rejects a whole batch when one event in it cannot be stored', async () => {
    const { store } = await open();
    await store.appendEvents([event('a', '192.0.2.1', 0)]);
    await expect(
      store.appendEvents([event('b', '192.0.2.1', 1), event('a', '192.0.2.1', 2)]),
    ).rejects.toThrow();
    expect(await store.countEvents()).toBe(1);
  });

  it('refuses a second process on the same data directory', async () => {
    const { dataDir } = await open();
    await expect(openStore(dataDir)).rejects.toThrow(/in use by another process/);
  });

  it('uses WAL and records the schema version', async () => {
    const { store, dataDir } = await open();
    await store.close();
    const db = new Database(path.join(dataDir, 'bulwark.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    db.close();
  });

  it('makes a new database with 16 KiB pages, and keeps the page size of an existing one', async () => {
    const { store, dataDir } = await open();
    await store.appendEvents([event('a', '192.0.2.1', 0)]);
    await store.close();
    const pageSize = (file: string) => {
      const db = new Database(file, { readonly: true });
      const size = db.pragma('page_size', { simple: true });
      db.close();
      return size;
    };
    expect(pageSize(path.join(dataDir, 'bulwark.db'))).toBe(16384);

    const oldDir = mkdtempSync(path.join(tmpdir(), 'bulwark-store-'));
    const old = new Database(path.join(oldDir, 'bulwark.db'));
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    for (const migration of MIGRATIONS) old.exec(migration);
    old.pragma(`user_version = ${MIGRATIONS.length}`);
    old.close();
    const { store: reopened } = await open(oldDir);
    await reopened.appendEvents([event('b', '192.0.2.2', 1)]);
    expect((await reopened.eventsAfter(0, 10)).map((s) => s.event['event.id'])).toEqual(['b']);
    await reopened.close();
    expect(pageSize(path.join(oldDir, 'bulwark.db'))).toBe(4096);
  });

  it('searches events newest first with filters and cursor paging', async () => {
    const { store } = await open();
    await store.appendEvents([
      event('a', '192.0.2.1', 0),
      event('b', '192.0.2.2', 1),
      event('c', '192.0.2.1', 2),
      event('d', '192.0.2.1', 3),
    ]);
    const first = await store.searchEvents({ ip: '192.0.2.1', limit: 2 });
    expect(first.items.map((e) => e['event.id'])).toEqual(['d', 'c']);
    expect(first.next_cursor).not.toBeNull();
    const second = await store.searchEvents({
      ip: '192.0.2.1',
      limit: 2,
      cursor: first.next_cursor as string,
    });
    expect(second.items.map((e) => e['event.id'])).toEqual(['a']);
    expect(second.next_cursor).toBeNull();
    const window = await store.searchEvents({
      from: '2026-11-21T10:00:01Z',
      to: '2026-11-21T10:00:03Z',
      limit: 10,
    });
    expect(window.items.map((e) => e['event.id'])).toEqual(['c', 'b']);
    await expect(store.searchEvents({ limit: 1, cursor: 'garbage' })).rejects.toMatchObject({
      code: 'BWK_ERR_INVALID_QUERY',
    });
  });

  it('finds events by address and user across appends, by event time, and not those of a failed append', async () => {
    const { store } = await open();
    const X = '198.51.100.7';
    const withUser = (e: SecurityEvent, user: string): SecurityEvent => ({ ...e, 'user.name': user });
    // Appended together (one transaction on the worker) and apart; event times out of arrival order.
    await Promise.all([
      store.appendEvents([event('x10', X, 10), event('y9', '192.0.2.9', 9), event('x11', X, 11)]),
      store.appendEvents([event('x5', X, 5), event('y12', '192.0.2.9', 12)]),
    ]);
    await expect(store.appendEvents([event('x20', X, 20), event('x10', X, 21)])).rejects.toThrow();
    // Takes the seq the failed append's first row had: it must not be found under X.
    await store.appendEvents([withUser(event('y21', '192.0.2.9', 21), 'alice')]);
    await store.appendEvents([withUser(event('x13', X, 13), 'alice')]);

    const ids = (page: { items: SecurityEvent[] }) => page.items.map((e) => e['event.id']);
    const first = await store.searchEvents({ ip: X, limit: 2 });
    expect(ids(first)).toEqual(['x13', 'x11']);
    const second = await store.searchEvents({ ip: X, limit: 2, cursor: first.next_cursor as string });
    expect(ids(second)).toEqual(['x10', 'x5']);
    expect(second.next_cursor).toBeNull();
    expect(ids(await store.searchEvents({ user: 'alice', limit: 10 }))).toEqual(['y21', 'x13']);
    expect(ids(await store.searchEvents({ ip: X, user: 'root', limit: 10 }))).toEqual(['x11', 'x10', 'x5']);
    expect(
      ids(
        await store.searchEvents({
          ip: X,
          from: '2026-11-21T10:00:06Z',
          to: '2026-11-21T10:00:12Z',
          limit: 10,
        }),
      ),
    ).toEqual(['x11', 'x10']);
    expect(ids(await store.searchEvents({ ip: '203.0.113.1', limit: 10 }))).toEqual([]);
  });

  it('commits incidents, outbox and checkpoint together', async () => {
    const { store, dataDir } = await open();
    await store.appendEvents([event('a', '192.0.2.1', 0), event('b', '192.0.2.1', 1)]);
    await store.commitEvaluation({
      consumer: 'rules-engine',
      checkpoint: 2,
      incidents: [incident('inc_1')],
      resolved: [],
      notifications: [notification('ntf_1', 'inc_1')],
    });
    await store.close();
    const { store: reopened } = await open(dataDir);
    expect(await reopened.checkpoint('rules-engine')).toBe(2);
    expect(await reopened.checkpoint('someone-else')).toBe(0);
    const detail = await reopened.getIncident('inc_1');
    expect(detail).toMatchObject({ id: 'inc_1', count: 5 });
    expect(detail?.evidence_events.map((e) => e['event.id'])).toEqual(['a', 'b']);
    expect((await reopened.dueNotifications(Date.now(), 10)).map((n) => n.id)).toEqual(['ntf_1']);
  });

  it('updates incidents in place without touching their status, and never queues a notification twice', async () => {
    const { store, dataDir } = await open();
    const commit = (inc: Incident) =>
      store.commitEvaluation({
        consumer: 'r',
        checkpoint: 1,
        incidents: [inc],
        resolved: [],
        notifications: [notification('ntf_1', inc.id)],
      });
    await commit(incident('inc_1'));
    await store.close();
    const db = new Database(path.join(dataDir, 'bulwark.db'));
    db.prepare("UPDATE incidents SET status = 'acknowledged' WHERE id = 'inc_1'").run();
    db.close();
    const { store: reopened } = await open(dataDir);
    await reopened.commitEvaluation({
      consumer: 'r',
      checkpoint: 2,
      incidents: [incident('inc_1', { count: 9, last_seen: '2026-11-21T10:01:00.000Z', severity: 'high' })],
      resolved: [],
      notifications: [notification('ntf_1', 'inc_1')],
    });
    const page = await reopened.listIncidents({ limit: 10 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ status: 'acknowledged', count: 9, severity: 'high' });
    expect(await reopened.listNotifications('inc_1')).toHaveLength(1);
  });

  it('marks incidents whose episode ended as resolved', async () => {
    const { store } = await open();
    const commit = { consumer: 'r', notifications: [] };
    await store.commitEvaluation({ ...commit, checkpoint: 1, incidents: [incident('inc_1')], resolved: [] });
    await store.commitEvaluation({ ...commit, checkpoint: 2, incidents: [], resolved: ['inc_1'] });
    expect((await store.getIncident('inc_1'))?.status).toBe('resolved');
    expect((await store.listIncidents({ limit: 10, status: 'open' })).items).toEqual([]);
  });

  it('never commits an evaluation after an earlier one that failed; it can be retried after it', async () => {
    const { store } = await open();
    const commit = (inc: Incident) =>
      store.commitEvaluation({ consumer: 'r', incidents: [inc], resolved: [], notifications: [] });
    const broken = incident('inc_2', { summary: null as unknown as string }); // NOT NULL
    const outcomes = await Promise.allSettled([
      commit(incident('inc_1')),
      commit(broken),
      commit(incident('inc_3')),
    ]);
    expect(outcomes.map((outcome) => outcome.status).slice(0, 2)).toEqual(['fulfilled', 'rejected']);
    const stored = async () => (await store.listIncidents({ limit: 10 })).items.map((i) => i.id).sort();
    // Made before the failure was known: the worker refuses it (so it never commits ahead of the
    // failed one); the store in process has run it already, in turn.
    if (name === 'SqliteWorkerStore') {
      expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({
        code: 'BWK_ERR_STORE_UNAVAILABLE',
      });
      expect(await stored()).toEqual(['inc_1']);
      await commit(incident('inc_2'));
      await commit(incident('inc_3'));
      expect(await stored()).toEqual(['inc_1', 'inc_2', 'inc_3']);
    } else {
      expect(await stored()).toEqual(['inc_1', 'inc_3']);
    }
  });

  it('lists incidents newest first, filtered, with cursor paging', async () => {
    const { store } = await open();
    const incidents = [1, 2, 3].map((n) =>
      incident(`inc_${n}`, {
        key: { 'source.ip': n === 2 ? '192.0.2.2' : '192.0.2.1' },
        first_seen: `2026-11-21T10:0${n}:00.000Z`,
        last_seen: `2026-11-21T10:0${n}:30.000Z`,
      }),
    );
    await store.commitEvaluation({
      consumer: 'r',
      checkpoint: 1,
      incidents,
      resolved: [],
      notifications: [],
    });
    const first = await store.listIncidents({ limit: 2 });
    expect(first.items.map((i) => i.id)).toEqual(['inc_3', 'inc_2']);
    const second = await store.listIncidents({ limit: 2, cursor: first.next_cursor as string });
    expect(second.items.map((i) => i.id)).toEqual(['inc_1']);
    expect((await store.listIncidents({ limit: 10, ip: '192.0.2.1' })).items.map((i) => i.id)).toEqual([
      'inc_3',
      'inc_1',
    ]);
    expect((await store.listIncidents({ limit: 10, kind: 'request_flood' })).items).toEqual([]);
  });

  it('tracks delivery: sent, retry later, failed for good', async () => {
    const { store } = await open();
    await store.commitEvaluation({
      consumer: 'r',
      checkpoint: 1,
      incidents: [incident('inc_1')],
      resolved: [],
      notifications: ['n1', 'n2', 'n3'].map((id) => notification(id, 'inc_1')),
    });
    const now = Date.now();
    await store.markNotificationSent('n1', new Date(now).toISOString());
    await store.markNotificationFailed('n2', 'smtp 451', now + 60_000);
    await store.markNotificationFailed('n3', 'bad address', null);
    expect((await store.dueNotifications(now, 10)).map((n) => n.id)).toEqual([]);
    expect((await store.dueNotifications(now + 60_000, 10)).map((n) => n.id)).toEqual(['n2']);
    const byId = Object.fromEntries((await store.listNotifications('inc_1')).map((n) => [n.id, n]));
    expect(byId.n1).toMatchObject({ status: 'sent', attempts: 1 });
    expect(byId.n2).toMatchObject({ status: 'pending', attempts: 1, last_error: 'smtp 451' });
    expect(byId.n3).toMatchObject({ status: 'failed', attempts: 1, last_error: 'bad address' });
  });
});
