import type { Incident, IncidentWithEvidence, Notification, SecurityEvent } from '@bulwark/schemas';

/** An event with its position in the store's append order. Positions only grow. */
export interface SequencedEvent {
  seq: number;
  event: SecurityEvent;
}

/** What the rules engine remembers for one rule and key (windows, known addresses); `null` forgets it. */
export interface BaselineRow {
  rule: string;
  key: string;
  state: unknown;
}

/**
 * Everything one evaluation of a batch produced, committed atomically: the incidents as they now
 * stand, the rule state, the notifications to send, and how far the consumer has read. Either all
 * of it is durable or none is, so a crash can neither lose an incident nor count an event twice.
 */
export interface EvaluationCommit {
  consumer: string;
  /** Highest event seq this commit reflects. */
  checkpoint: number;
  incidents: Incident[];
  /** Ids of incidents whose episode ended (quiet for long enough): their status becomes `resolved`. */
  resolved: string[];
  baselines: BaselineRow[];
  /** Outbox entries; one whose id is already present is left as it is (idempotency key). */
  notifications: Notification[];
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  next_cursor: string | null;
}

export interface IncidentQuery {
  kind?: string;
  severity?: string;
  status?: string;
  ip?: string;
  user?: string;
  /** ISO times bounding `last_seen` (inclusive from, exclusive to). */
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export interface EventQuery {
  ip?: string;
  user?: string;
  dataset?: string;
  category?: string;
  /** ISO times bounding `@timestamp` (inclusive from, exclusive to). */
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/**
 * The Store port: the durable record of events, incidents, baselines and the notification outbox.
 *
 * - A resolved write is durable (committed, and synced as far as the adapter is configured to).
 *   `appendEvents` is all or nothing for its batch; callers acknowledge senders only after it resolves.
 * - Rejections carrying BWK_ERR_STORE_UNAVAILABLE are retryable; any other rejection is a bug or
 *   corrupt data and is not.
 * - Incident upserts never change `status`: that belongs to the people handling the incident, except
 *   that an incident whose episode ended (`resolved` in a commit) is marked `resolved`.
 * - Reads see every write that resolved before them.
 * - The caller owns the store's lifecycle: open it (adapter factory), use it, `close` it once after
 *   all writers have stopped.
 */
export interface Store {
  appendEvents(events: SecurityEvent[]): Promise<SequencedEvent[]>;
  /** Events with seq greater than `seq`, in seq order: how a consumer catches up after a restart. */
  eventsAfter(seq: number, limit: number): Promise<SequencedEvent[]>;
  searchEvents(query: EventQuery): Promise<Page<SecurityEvent>>;
  countEvents(): Promise<number>;

  checkpoint(consumer: string): Promise<number>;
  commitEvaluation(commit: EvaluationCommit): Promise<void>;
  loadBaselines(): Promise<BaselineRow[]>;

  listIncidents(query: IncidentQuery): Promise<Page<Incident>>;
  getIncident(id: string): Promise<IncidentWithEvidence | null>;

  /** Pending notifications due at `nowMs`, oldest first. */
  dueNotifications(nowMs: number, limit: number): Promise<Notification[]>;
  markNotificationSent(id: string, sentAt: string): Promise<void>;
  /** Records a failed attempt; `retryAtMs` null means the failure is permanent. */
  markNotificationFailed(id: string, error: string, retryAtMs: number | null): Promise<void>;
  listNotifications(incidentId: string): Promise<Notification[]>;

  /** Cheap liveness of the underlying storage, for `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
