import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BulwarkError, Errors } from '@bulwark/errors';
import {
  type Channel,
  compareSeverity,
  type Incident,
  type IncidentWithEvidence,
  type Notification,
  type SecurityEvent,
  type Severity,
} from '@bulwark/schemas';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  DeliveryPhase,
  EvaluationCommit,
  EventQuery,
  IncidentQuery,
  InFlightNotification,
  NotificationSettlement,
  Page,
  RecentDeliveries,
  SequencedEvent,
  Store,
  UserReport,
  UserReportOutcome,
} from '../port.js';
import { Database } from './driver.js';
import { EventKeyLog, eventsOfPostings, KeyField, POSTINGS_OF_VALUE } from './event-keys.js';
import {
  EVENT_COLUMNS,
  type EventRow,
  fromEventRow,
  INSERT_EVENT,
  type StoredEventRow,
  toEventRow,
} from './event-rows.js';
import { MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  /** Directory that holds `bulwark.db`; created when missing. */
  dataDir: string;
  /** `full` syncs every commit to disk (survives power loss); `normal` survives process crashes. */
  synchronous?: 'full' | 'normal';
}

export const DATABASE_FILE = 'bulwark.db';

/**
 * Page size of a new database: 16 KiB instead of SQLite's 4 KiB. A commit writes its dirty pages to
 * the WAL one frame (a header and a page, written and checksummed) at a time, and each frame's cost
 * is mostly per write, not per byte: under a syslog flood, 16 KiB pages cut the store worker's CPU
 * per event by a fifth (docs/BENCHMARKS.md, session 7). 64 KiB measured the same as 16.
 */
export const PAGE_SIZE = 16384;

interface IncidentRow {
  id: string;
  kind: string;
  severity: string;
  status: string;
  key: string;
  rule: string;
  first_seen: number;
  last_seen: number;
  count: number;
  summary: string;
  evidence: string;
}

interface OutboxRow {
  id: string;
  incident_id: string;
  channel: string;
  recipient: string;
  severity: string;
  subject: string;
  body: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  next_attempt_at: number;
  payload: string | null;
  phase: DeliveryPhase | null;
  attempt_at: number | null;
  fold_key: string | null;
  folded_into: string | null;
  provider_id: string | null;
  note: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    kind: row.kind as Incident['kind'],
    severity: row.severity as Incident['severity'],
    status: row.status as Incident['status'],
    key: JSON.parse(row.key) as Incident['key'],
    first_seen: iso(row.first_seen),
    last_seen: iso(row.last_seen),
    count: row.count,
    summary: row.summary,
    rule: row.rule,
    evidence: JSON.parse(row.evidence) as string[],
  };
}

function toNotification(row: OutboxRow): Notification {
  return {
    id: row.id,
    incident_id: row.incident_id,
    channel: row.channel as Notification['channel'],
    recipient: row.recipient,
    severity: row.severity as Notification['severity'],
    subject: row.subject,
    body: row.body,
    status: row.status as Notification['status'],
    attempts: row.attempts,
    last_error: row.last_error,
    created_at: iso(row.created_at),
    sent_at: row.sent_at === null ? null : iso(row.sent_at),
    payload: row.payload === null ? null : (JSON.parse(row.payload) as Notification['payload']),
    next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    last_attempt_at: row.attempt_at === null ? null : iso(row.attempt_at),
    fold_key: row.fold_key,
    folded_into: row.folded_into,
    provider_id: row.provider_id,
    in_doubt: row.phase === 'committing',
    note: row.note,
  };
}

/** An outbox row's columns for an insert. */
function outboxParams(notification: Notification) {
  const createdAt = Date.parse(notification.created_at);
  return {
    id: notification.id,
    incident_id: notification.incident_id,
    channel: notification.channel,
    recipient: notification.recipient,
    severity: notification.severity,
    subject: notification.subject,
    body: notification.body,
    created_at: createdAt,
    next_attempt_at: notification.next_attempt_at ? Date.parse(notification.next_attempt_at) : createdAt,
    payload: notification.payload ? JSON.stringify(notification.payload) : null,
    fold_key: notification.fold_key ?? null,
    note: notification.note ?? null,
  };
}

function timeBound(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new BulwarkError(Errors.invalidQuery, `${name} is not an ISO 8601 time`);
  return ms;
}

/**
 * The Store port on an embedded SQLite database (better-sqlite3, WAL). Calls run synchronously
 * inside their promise: SQLite commits are fast, and a single writer keeps ordering trivial.
 */
export class SqliteStore implements Store {
  private readonly db: Database;
  private readonly statements;
  /** Source addresses and user names of the events written in the open transaction. */
  private readonly keys: EventKeyLog;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.db = SqliteStore.openExclusive(path.join(options.dataDir, DATABASE_FILE), options);
    const db = this.db;
    this.keys = new EventKeyLog(db);
    this.statements = {
      insertEvent: db.prepare(INSERT_EVENT),
      eventsAfter: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`),
      countEvents: db.prepare('SELECT count(*) AS n FROM events'),
      eventsById: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`),
      checkpoint: db.prepare('SELECT seq FROM checkpoints WHERE consumer = ?'),
      setCheckpoint: db.prepare(
        'INSERT INTO checkpoints (consumer, seq) VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq',
      ),
      upsertIncident: db.prepare(`
        INSERT INTO incidents (id, kind, severity, status, key, key_ip, key_user, rule, first_seen, last_seen,
                               count, summary, evidence, created_at, updated_at)
        VALUES (@id, @kind, @severity, @status, @key, @key_ip, @key_user, @rule, @first_seen, @last_seen,
                @count, @summary, @evidence, @now, @now)
        ON CONFLICT (id) DO UPDATE SET
          severity = excluded.severity, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
          count = excluded.count, summary = excluded.summary, evidence = excluded.evidence,
          updated_at = excluded.updated_at`),
      resolveIncident: db.prepare(
        "UPDATE incidents SET status = 'resolved', updated_at = ? WHERE id = ? AND status != 'resolved'",
      ),
      getIncident: db.prepare('SELECT * FROM incidents WHERE id = ?'),
      insertOutbox: db.prepare(`
        INSERT INTO outbox (id, incident_id, channel, recipient, severity, subject, body, status, attempts,
                            last_error, next_attempt_at, created_at, sent_at, payload, fold_key, note)
        VALUES (@id, @incident_id, @channel, @recipient, @severity, @subject, @body, 'pending', 0, NULL,
                @next_attempt_at, @created_at, NULL, @payload, @fold_key, @note)
        ON CONFLICT (id) DO NOTHING`),
      dueOutbox: db.prepare(
        "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?",
      ),
      dueFolded: db.prepare(`
        SELECT * FROM outbox WHERE status = 'pending' AND fold_key IS NOT NULL AND next_attempt_at <= ?
        ORDER BY channel, recipient, fold_key, created_at, id LIMIT ?`),
      markSent: db.prepare(
        "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
      ),
      markRetry: db.prepare(
        'UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?',
      ),
      markFailed: db.prepare(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
      ),
      outboxForIncident: db.prepare(`
        SELECT * FROM outbox WHERE incident_id = @id
        UNION
        SELECT s.* FROM outbox s JOIN outbox m ON m.folded_into = s.id WHERE m.incident_id = @id
        ORDER BY created_at, id`),
      claim: db.prepare(`
        UPDATE outbox SET status = 'sending', phase = 'claimed', attempts = attempts + 1, attempt_at = ?,
                          next_attempt_at = ?
        WHERE id = ? AND status = 'pending'`),
      committing: db.prepare("UPDATE outbox SET phase = 'committing' WHERE id = ? AND status = 'sending'"),
      settleSent: db.prepare(`
        UPDATE outbox SET status = 'sent', sent_at = ?, provider_id = COALESCE(?, provider_id), phase = NULL,
                          last_error = NULL, note = ?
        WHERE id = ?`),
      settlePending: db.prepare(`
        UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = COALESCE(?, last_error),
                          phase = ?, note = ?
        WHERE id = ?`),
      settleFailed: db.prepare(
        "UPDATE outbox SET status = 'failed', last_error = ?, phase = NULL, note = NULL WHERE id = ?",
      ),
      defer: db.prepare(
        "UPDATE outbox SET next_attempt_at = ?, note = ?, fold_key = COALESCE(?, fold_key) WHERE id = ? AND status = 'pending'",
      ),
      fold: db.prepare(
        "UPDATE outbox SET status = 'folded', folded_into = ?, phase = NULL, note = ? WHERE id = ? AND status = 'pending'",
      ),
      inFlightAll: db.prepare("SELECT * FROM outbox WHERE status = 'sending' ORDER BY attempt_at LIMIT ?"),
      inFlightExpired: db.prepare(
        "SELECT * FROM outbox WHERE status = 'sending' AND next_attempt_at <= ? ORDER BY attempt_at LIMIT ?",
      ),
      recentDeliveries: db.prepare(`
        SELECT recipient, count(*) AS count, min(attempt_at) AS oldest FROM outbox
        WHERE channel = ? AND attempt_at >= ? AND status IN ('sent', 'sending')
        GROUP BY recipient`),
      incidentReport: db.prepare('SELECT severity, reported_at, reported_by FROM incidents WHERE id = ?'),
      markReported: db.prepare(
        'UPDATE incidents SET reported_at = ?, reported_by = ?, severity = ?, updated_at = ? WHERE id = ?',
      ),
    };
  }

  /**
   * Opens the database and takes an exclusive lock on it for the life of the connection: two
   * processes evaluating the same events against their own in-memory state would double count.
   */
  private static openExclusive(file: string, options: SqliteStoreOptions): Database {
    let db: Database | undefined;
    try {
      db = new Database(file);
      // Set before WAL is first touched, so the WAL index lives in heap memory and no other
      // connection can share it.
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('busy_timeout = 1000');
      // Takes effect only on a new, empty database: an existing one keeps its page size.
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.exec('BEGIN IMMEDIATE; COMMIT;');
      db.pragma('busy_timeout = 5000');
      SqliteStore.migrate(db);
      return db;
    } catch (error) {
      db?.close();
      const code = (error as { code?: string }).code ?? '';
      const detail = code.startsWith('SQLITE_BUSY')
        ? `the database in ${options.dataDir} is in use by another process (is another Bulwark running on it?)`
        : `cannot open the database in ${options.dataDir}: ${(error as Error).message}`;
      throw new BulwarkError(Errors.storeUnavailable, detail, {}, { cause: error });
    }
  }

  private static migrate(db: Database): void {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `database schema ${current} is newer than this Bulwark (${MIGRATIONS.length}); upgrade Bulwark`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version += 1) {
      db.transaction(() => {
        db.exec(MIGRATIONS[version] as string);
        db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  private write<T>(work: () => T): T {
    const outermost = !this.db.inTransaction;
    const mark = this.keys.mark();
    try {
      return this.db.transaction(() => {
        const result = work();
        // The key postings of the whole transaction, written last so that each value is one row.
        if (outermost) this.keys.flush();
        return result;
      })();
    } catch (error) {
      // Undone: the keys of the events the transaction (or savepoint) wrote go with them.
      this.keys.rollbackTo(mark);
      if (error instanceof BulwarkError) throw error;
      const code = (error as { code?: string }).code ?? '';
      if (
        code.startsWith('SQLITE_BUSY') ||
        code.startsWith('SQLITE_FULL') ||
        code.startsWith('SQLITE_IOERR')
      ) {
        throw new BulwarkError(
          Errors.storeUnavailable,
          `database write failed: ${code}`,
          {},
          { cause: error },
        );
      }
      throw error;
    }
  }

  async appendEvents(events: SecurityEvent[]): Promise<SequencedEvent[]> {
    const seqs = this.appendRows(events.map(toEventRow));
    return events.map((event, i) => ({ seq: seqs[i] as number, event }));
  }

  /**
   * `appendEvents` for events already made rows (`toEventRow`, which SqliteWorkerStore runs on the
   * calling thread): all or nothing, and gives the seqs in the rows' order.
   */
  appendRows(rows: readonly EventRow[]): number[] {
    return this.write(() => {
      const seqs = new Array<number>(rows.length);
      for (let i = 0; i < rows.length; i += 1) {
        const row = rows[i] as EventRow;
        const seq = Number(this.statements.insertEvent.run(...row).lastInsertRowid);
        seqs[i] = seq;
        if (row[4] !== null) this.keys.note(KeyField.sourceIp, row[4], row[1], seq);
        if (row[5] !== null) this.keys.note(KeyField.userName, row[5], row[1], seq);
      }
      return seqs;
    });
  }

  /**
   * Runs `work` in one transaction, so that the writes of every call it makes commit together: each
   * call's own transaction becomes a savepoint (a call that fails undoes only its own writes, and
   * its promise rejects), and the commit, the costly part, is paid once. Calls' promises settle as
   * `work` runs; a caller must act on them only once `group` has returned (committed). Throws if
   * the commit fails, in which case none of the writes happened.
   */
  group(work: () => void): void {
    this.write(work);
  }

  async eventsAfter(seq: number, limit: number): Promise<SequencedEvent[]> {
    const rows = this.statements.eventsAfter.all(seq, limit) as StoredEventRow[];
    return rows.map((row) => ({ seq: row.seq, event: fromEventRow(row) }));
  }

  async countEvents(): Promise<number> {
    return (this.statements.countEvents.get() as { n: number }).n;
  }

  async searchEvents(query: EventQuery): Promise<Page<SecurityEvent>> {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    const add = (clause: string, name: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params[name] = value;
    };
    add('source_ip = @ip', 'ip', query.ip);
    add('user_name = @user', 'user', query.user);
    add('dataset = @dataset', 'dataset', query.dataset);
    add('category = @category', 'category', query.category);
    add('ts >= @from', 'from', timeBound(query.from, 'from'));
    add('ts < @to', 'to', timeBound(query.to, 'to'));
    let before = Number.MAX_SAFE_INTEGER;
    if (query.cursor !== undefined) {
      const [ts, seq] = decodeCursor(query.cursor, ['number', 'number']) as [number, number];
      add('(ts < @cursor_ts OR (ts = @cursor_ts AND seq < @cursor_seq))', 'cursor_ts', ts);
      params.cursor_seq = seq;
      before = ts;
    }
    const wanted = query.limit + 1;
    const rows =
      query.ip !== undefined
        ? this.searchByKey(KeyField.sourceIp, query.ip, where, params, before, wanted)
        : query.user !== undefined
          ? this.searchByKey(KeyField.userName, query.user, where, params, before, wanted)
          : (this.db
              .prepare(
                `SELECT ${EVENT_COLUMNS} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY ts DESC, seq DESC LIMIT @limit`,
              )
              .all({ ...params, limit: wanted }) as StoredEventRow[]);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(fromEventRow),
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.ts, last.seq]) : null,
    };
  }

  /**
   * The first `wanted` events (newest first) with `value` in `field` that pass `where`, read
   * posting by posting, newest posting first: once `wanted` rows are newer than anything the next
   * posting can hold, no later posting can change the page.
   */
  private searchByKey(
    field: KeyField,
    value: string,
    where: readonly string[],
    params: Record<string, string | number>,
    before: number,
    wanted: number,
  ): StoredEventRow[] {
    // Read lazily, newest first (index event_keys_recent): most searches need the first few rows.
    const postings = this.db.prepare(POSTINGS_OF_VALUE).iterate({
      field,
      value,
      from: params.from ?? Number.MIN_SAFE_INTEGER,
      to: params.to ?? Number.MAX_SAFE_INTEGER,
      before,
    }) as IterableIterator<{ first_seq: number; max_ts: number }>;
    const read = this.db.prepare(eventsOfPostings(EVENT_COLUMNS, where));
    const rows: StoredEventRow[] = [];
    // Postings are read in growing chunks: one for the usual search, few statements for a long one.
    let chunk = 1;
    let posting = postings.next();
    while (!posting.done) {
      const firsts: number[] = [];
      while (!posting.done && firsts.length < chunk) {
        firsts.push(posting.value.first_seq);
        posting = postings.next();
      }
      const found = read.all({ ...params, field, value, first_seqs: JSON.stringify(firsts) });
      for (const row of found) rows.push(row as StoredEventRow);
      const next = posting.done ? Number.NEGATIVE_INFINITY : posting.value.max_ts;
      let settled = 0;
      for (const row of rows) if (row.ts > next) settled += 1;
      if (settled >= wanted) break;
      chunk = Math.min(chunk * 2, 1024);
    }
    postings.return?.();
    rows.sort((a, b) => b.ts - a.ts || b.seq - a.seq);
    return rows.slice(0, wanted);
  }

  async checkpoint(consumer: string): Promise<number> {
    const row = this.statements.checkpoint.get(consumer) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  async commitEvaluation(commit: EvaluationCommit): Promise<void> {
    this.applyEvaluation(commit);
  }

  /** `commitEvaluation`, synchronous (SqliteWorkerStore's worker needs to know at once if it failed). */
  applyEvaluation(commit: EvaluationCommit): void {
    const now = Date.now();
    this.write(() => {
      for (const incident of commit.incidents) {
        this.statements.upsertIncident.run({
          id: incident.id,
          kind: incident.kind,
          severity: incident.severity,
          status: incident.status,
          key: JSON.stringify(incident.key),
          key_ip: incident.key['source.ip'] ?? null,
          key_user: incident.key['user.name'] ?? null,
          rule: incident.rule,
          first_seen: Date.parse(incident.first_seen),
          last_seen: Date.parse(incident.last_seen),
          count: incident.count,
          summary: incident.summary,
          evidence: JSON.stringify(incident.evidence),
          now,
        });
      }
      for (const id of commit.resolved) this.statements.resolveIncident.run(now, id);
      for (const notification of commit.notifications) {
        this.statements.insertOutbox.run(outboxParams(notification));
      }
      if (commit.checkpoint !== undefined)
        this.statements.setCheckpoint.run(commit.consumer, commit.checkpoint);
    });
  }

  async listIncidents(query: IncidentQuery): Promise<Page<Incident>> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    add('kind = ?', query.kind);
    add('severity = ?', query.severity);
    add('status = ?', query.status);
    add('key_ip = ?', query.ip);
    add('key_user = ?', query.user);
    add('last_seen >= ?', timeBound(query.from, 'from'));
    add('last_seen < ?', timeBound(query.to, 'to'));
    if (query.cursor !== undefined) {
      const [firstSeen, id] = decodeCursor(query.cursor, ['number', 'string']) as [number, string];
      where.push('(first_seen < ? OR (first_seen = ? AND id < ?))');
      params.push(firstSeen, firstSeen, id);
    }
    const sql = `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY first_seen DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, query.limit + 1) as IncidentRow[];
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toIncident),
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.first_seen, last.id]) : null,
    };
  }

  async getIncident(id: string): Promise<IncidentWithEvidence | null> {
    const row = this.statements.getIncident.get(id) as IncidentRow | undefined;
    if (!row) return null;
    const incident = toIncident(row);
    const evidenceEvents: SecurityEvent[] = [];
    for (const eventId of incident.evidence) {
      const found = this.statements.eventsById.get(eventId) as StoredEventRow | undefined;
      if (found) evidenceEvents.push(fromEventRow(found));
    }
    return { ...incident, evidence_events: evidenceEvents };
  }

  async dueNotifications(nowMs: number, limit: number): Promise<Notification[]> {
    return (this.statements.dueOutbox.all(nowMs, limit) as OutboxRow[]).map(toNotification);
  }

  async dueFoldedNotifications(nowMs: number, limit: number): Promise<Notification[]> {
    return (this.statements.dueFolded.all(nowMs, limit) as OutboxRow[]).map(toNotification);
  }

  async markNotificationSent(id: string, sentAt: string): Promise<void> {
    this.write(() => this.statements.markSent.run(Date.parse(sentAt), id));
  }

  async markNotificationFailed(id: string, error: string, retryAtMs: number | null): Promise<void> {
    this.write(() => {
      if (retryAtMs === null) this.statements.markFailed.run(error, id);
      else this.statements.markRetry.run(error, retryAtMs, id);
    });
  }

  async listNotifications(incidentId: string): Promise<Notification[]> {
    return (this.statements.outboxForIncident.all({ id: incidentId }) as OutboxRow[]).map(toNotification);
  }

  async claimNotification(id: string, attemptAtMs: number, leaseUntilMs: number): Promise<boolean> {
    return this.write(() => this.statements.claim.run(attemptAtMs, leaseUntilMs, id).changes === 1);
  }

  async markNotificationCommitting(id: string): Promise<void> {
    this.write(() => this.statements.committing.run(id));
  }

  async settleNotification(id: string, settlement: NotificationSettlement): Promise<void> {
    this.write(() => {
      switch (settlement.status) {
        case 'sent':
          this.statements.settleSent.run(
            Date.parse(settlement.sentAt),
            settlement.providerId ?? null,
            settlement.note ?? null,
            id,
          );
          return;
        case 'pending':
          this.statements.settlePending.run(
            settlement.retryAtMs,
            settlement.error,
            settlement.inDoubt ? 'committing' : null,
            settlement.note ?? null,
            id,
          );
          return;
        case 'failed':
          this.statements.settleFailed.run(settlement.error, id);
          return;
      }
    });
  }

  async deferNotification(id: string, untilMs: number, note: string, foldKey?: string): Promise<void> {
    this.write(() => this.statements.defer.run(untilMs, note, foldKey ?? null, id));
  }

  async foldNotifications(memberIds: readonly string[], summary: Notification): Promise<void> {
    this.write(() => {
      const note = `sent in ${summary.id}`;
      for (const id of memberIds) {
        if (this.statements.fold.run(summary.id, note, id).changes !== 1) {
          throw new Error(`cannot fold ${id} into ${summary.id}: it is no longer pending`);
        }
      }
      this.statements.insertOutbox.run(outboxParams(summary));
    });
  }

  async inFlightNotifications(
    leaseExpiredByMs: number | null,
    limit: number,
  ): Promise<InFlightNotification[]> {
    const rows = (
      leaseExpiredByMs === null
        ? this.statements.inFlightAll.all(limit)
        : this.statements.inFlightExpired.all(leaseExpiredByMs, limit)
    ) as OutboxRow[];
    return rows.map((row) => ({ notification: toNotification(row), phase: row.phase ?? 'claimed' }));
  }

  async recentDeliveries(channel: Channel, sinceMs: number): Promise<RecentDeliveries[]> {
    const rows = this.statements.recentDeliveries.all(channel, sinceMs) as {
      recipient: string;
      count: number;
      oldest: number;
    }[];
    return rows.map((row) => ({ recipient: row.recipient, count: row.count, oldestMs: row.oldest }));
  }

  async reportIncident(report: UserReport): Promise<UserReportOutcome> {
    return this.write((): UserReportOutcome => {
      const row = this.statements.incidentReport.get(report.incidentId) as
        | { severity: Severity; reported_at: number | null; reported_by: string | null }
        | undefined;
      if (!row) return { state: 'not_found' };
      if (row.reported_at !== null) {
        return {
          state: 'already_reported',
          reportedAt: iso(row.reported_at),
          reportedBy: row.reported_by ?? '',
          severity: row.severity,
        };
      }
      const severity = compareSeverity(report.raiseTo, row.severity) > 0 ? report.raiseTo : row.severity;
      const reportedAt = Date.parse(report.reportedAt);
      this.statements.markReported.run(
        reportedAt,
        report.reportedBy,
        severity,
        reportedAt,
        report.incidentId,
      );
      for (const notification of report.notifications) {
        this.statements.insertOutbox.run(outboxParams(notification));
      }
      return { state: 'reported', reportedAt: iso(reportedAt), reportedBy: report.reportedBy, severity };
    });
  }

  async incidentReport(incidentId: string): Promise<{ reportedAt: string; reportedBy: string } | null> {
    const row = this.statements.incidentReport.get(incidentId) as
      | { reported_at: number | null; reported_by: string | null }
      | undefined;
    if (!row || row.reported_at === null) return null;
    return { reportedAt: iso(row.reported_at), reportedBy: row.reported_by ?? '' };
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
