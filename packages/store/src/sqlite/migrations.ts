/**
 * Schema versions, applied in order and recorded in `PRAGMA user_version`. Append only: a shipped
 * migration is never edited, because databases in the field have already run it.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    ts INTEGER NOT NULL,
    dataset TEXT NOT NULL,
    category TEXT NOT NULL,
    source_ip TEXT,
    user_name TEXT,
    doc TEXT NOT NULL
  );
  CREATE INDEX events_ts ON events (ts, seq);
  CREATE INDEX events_source_ip ON events (source_ip, ts);
  CREATE INDEX events_user_name ON events (user_name, ts);

  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    key TEXT NOT NULL,
    key_ip TEXT,
    key_user TEXT,
    rule TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    count INTEGER NOT NULL,
    summary TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX incidents_first_seen ON incidents (first_seen, id);
  CREATE INDEX incidents_kind ON incidents (kind, first_seen);
  CREATE INDEX incidents_key_ip ON incidents (key_ip, first_seen);
  CREATE INDEX incidents_key_user ON incidents (key_user, first_seen);

  CREATE TABLE baselines (
    rule TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (rule, key)
  ) WITHOUT ROWID;

  CREATE TABLE checkpoints (
    consumer TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
  );

  CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    severity TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
  );
  CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
  CREATE INDEX outbox_incident ON outbox (incident_id);
  `,
  // 2: delivery that survives a crash (claim, commit point, reconcile), rate limits, digests and
  // summaries, and "this wasn't me" reports.
  `
  ALTER TABLE outbox ADD COLUMN payload TEXT;
  -- In flight ('sending'): 'claimed' before the adapter runs, 'committing' once it is about to take
  -- the step that cannot be taken back. Kept as 'committing' on a pending row whose last attempt may
  -- have reached the provider (in doubt).
  ALTER TABLE outbox ADD COLUMN phase TEXT;
  ALTER TABLE outbox ADD COLUMN attempt_at INTEGER;
  ALTER TABLE outbox ADD COLUMN fold_key TEXT;
  ALTER TABLE outbox ADD COLUMN folded_into TEXT;
  ALTER TABLE outbox ADD COLUMN provider_id TEXT;
  ALTER TABLE outbox ADD COLUMN note TEXT;
  CREATE INDEX outbox_recent ON outbox (channel, attempt_at);
  CREATE INDEX outbox_folded_into ON outbox (folded_into);

  ALTER TABLE incidents ADD COLUMN reported_at INTEGER;
  ALTER TABLE incidents ADD COLUMN reported_by TEXT;
  -- An incident its user reported stays at least high, whatever the rules engine (which does not
  -- know of the report) writes back on its next update.
  CREATE TRIGGER incidents_reported_stay_high AFTER UPDATE OF severity ON incidents
    WHEN NEW.reported_at IS NOT NULL AND NEW.severity IN ('low', 'medium')
  BEGIN
    UPDATE incidents SET severity = 'high' WHERE id = NEW.id;
  END;
  `,
  // 3: slimmer event rows. The fields that are columns leave the JSON body (a row written before
  // keeps its `@timestamp` there, which reading prefers), the baselines table goes (rule state is in
  // snapshot files), and seq is a plain rowid: events are never deleted, so the next seq is always
  // past every one handed out, without AUTOINCREMENT's extra write to sqlite_sequence per insert.
  // Should events ever be deleted, the newest row must stay (or AUTOINCREMENT come back).
  `
  DROP TABLE baselines;
  CREATE TABLE events_v3 (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    ts INTEGER NOT NULL,
    dataset TEXT NOT NULL,
    category TEXT NOT NULL,
    source_ip TEXT,
    user_name TEXT,
    doc TEXT NOT NULL
  );
  INSERT INTO events_v3 (seq, id, ts, dataset, category, source_ip, user_name, doc)
    SELECT seq, id, ts, dataset, category, source_ip, user_name,
           json_remove(doc, '$."event.id"', '$."event.dataset"', '$."bulwark.category"', '$."source.ip"',
                       '$."user.name"')
    FROM events ORDER BY seq;
  DROP TABLE events;
  ALTER TABLE events_v3 RENAME TO events;
  CREATE INDEX events_ts ON events (ts, seq);
  CREATE INDEX events_source_ip ON events (source_ip, ts);
  CREATE INDEX events_user_name ON events (user_name, ts);
  `,
  // 4: events found by source address and user name through postings (src/sqlite/event-keys.ts)
  // instead of an index entry per event: a row per value per transaction, listing its events' seqs.
  // Events already stored get a row per value per 4096 seqs.
  `
  CREATE TABLE event_keys (
    field INTEGER NOT NULL, -- 0 source.ip, 1 user.name
    value TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    min_ts INTEGER NOT NULL,
    max_ts INTEGER NOT NULL,
    seqs TEXT NOT NULL, -- JSON array of the events' seqs
    PRIMARY KEY (field, value, first_seq)
  ) WITHOUT ROWID;
  -- Searches read a value's postings newest first and stop early: without this, a user seen in
  -- every small transaction for months would have all its rows sorted on every search.
  CREATE INDEX event_keys_recent ON event_keys (field, value, max_ts);
  INSERT INTO event_keys (field, value, first_seq, min_ts, max_ts, seqs)
    SELECT 0, source_ip, min(seq), min(ts), max(ts), json_group_array(seq) FROM events
    WHERE source_ip IS NOT NULL GROUP BY source_ip, seq >> 12;
  INSERT INTO event_keys (field, value, first_seq, min_ts, max_ts, seqs)
    SELECT 1, user_name, min(seq), min(ts), max(ts), json_group_array(seq) FROM events
    WHERE user_name IS NOT NULL GROUP BY user_name, seq >> 12;
  DROP INDEX events_source_ip;
  DROP INDEX events_user_name;
  `,
];
