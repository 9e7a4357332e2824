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
];
