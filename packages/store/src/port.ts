import type {
  Channel,
  Incident,
  IncidentWithEvidence,
  Notification,
  SecurityEvent,
  Severity,
} from '@bulwark/schemas';

/** An event with its position in the store's append order. Positions only grow. */
export interface SequencedEvent {
  seq: number;
  event: SecurityEvent;
}

/**
 * Everything one evaluation of a batch produced, committed atomically: the incidents as they now
 * stand, the notifications to send, and how far the consumer has read. Either all of it is durable
 * or none is, so a crash can neither lose an incident nor count an event twice. (Rule state itself is
 * kept as snapshots: see SnapshotStore.)
 */
export interface EvaluationCommit {
  consumer: string;
  /**
   * Highest event seq the rule state in this commit reflects; absent when the commit carries no
   * state (incidents and notifications only: the engine is deterministic, so evaluating the events
   * after the last checkpoint again gives the same incidents, and their upserts change nothing).
   */
  checkpoint?: number;
  incidents: Incident[];
  /** Ids of incidents whose episode ended (quiet for long enough): their status becomes `resolved`. */
  resolved: string[];
  /** Outbox entries; one whose id is already present is left as it is (idempotency key). */
  notifications: Notification[];
}

/** How a delivery attempt, or a check on an earlier one, ended. */
export type NotificationSettlement =
  /** The provider has the message. Clears any doubt. */
  | { status: 'sent'; sentAt: string; providerId?: string | null; note?: string | null }
  /**
   * Try again at `retryAtMs`. `inDoubt`: the attempt may have reached the provider (it had passed
   * its commit point when it failed), so the next attempt must check before sending again.
   */
  | { status: 'pending'; retryAtMs: number; error: string | null; inDoubt: boolean; note?: string | null }
  /** Permanently refused, or retries exhausted. */
  | { status: 'failed'; error: string };

/** Where an attempt in flight had got to: `committing` means it may have reached the provider. */
export type DeliveryPhase = 'claimed' | 'committing';

export interface InFlightNotification {
  notification: Notification;
  phase: DeliveryPhase;
}

/** Messages a recipient was sent (or is being sent) on one channel since some time: rate limits. */
export interface RecentDeliveries {
  recipient: string;
  count: number;
  /** When the oldest of them was attempted: the window frees a slot `per` after it. */
  oldestMs: number;
}

/** A "this wasn't me" report by the user an incident is about. */
export interface UserReport {
  incidentId: string;
  reportedAt: string;
  /** Who reported (the user name the signed link was made for). */
  reportedBy: string;
  /** The severity the incident is raised to, if it is lower. */
  raiseTo: Severity;
  /** Outbox entries telling the security team; ignored when the incident was already reported. */
  notifications: Notification[];
}

export type UserReportOutcome =
  | { state: 'not_found' }
  | { state: 'reported' | 'already_reported'; reportedAt: string; reportedBy: string; severity: Severity };

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
 * The Store port: the durable record of events, incidents, consumer checkpoints and the notification outbox.
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
 *
 * The outbox (notifications) moves each row through `pending → sending → sent | failed | pending`,
 * or `pending → folded` into a summary:
 * - `claimNotification` marks a pending row in flight (phase `claimed`, attempts + 1, attempt time
 *   recorded) before the provider is called; `markNotificationCommitting` records, durably, that
 *   the adapter is about to take the step that cannot be taken back; `settleNotification` records
 *   the outcome. A row left `sending` by a crash is found by `inFlightNotifications`: in phase
 *   `claimed` nothing reached the provider; in phase `committing` it may have.
 * - `deferNotification` moves a pending row's due time without counting an attempt (quiet hours,
 *   a full rate-limit window), optionally giving it a fold key.
 * - `foldNotifications` replaces pending rows by one summary row, atomically.
 * - `recentDeliveries` counts what was sent or is in flight per recipient: rate limits hold across
 *   restarts because they are read from the outbox, not kept in memory.
 * - `reportIncident` records a user's "this wasn't me", raises the incident's severity and queues
 *   the security team's notifications in one transaction; a second report changes nothing. A
 *   reported incident keeps at least the raised severity whatever later evaluation commits.
 * - `listNotifications` also lists the summaries an incident's notifications were folded into.
 */
export interface Store {
  appendEvents(events: SecurityEvent[]): Promise<SequencedEvent[]>;
  /**
   * Events with seq greater than `seq`, in seq order: how a consumer catches up after a restart or
   * fills a gap. It sees every event whose append had been acknowledged when it was called; an
   * append still in flight may or may not be in it (an adapter may answer ahead of queued writes).
   */
  eventsAfter(seq: number, limit: number): Promise<SequencedEvent[]>;
  searchEvents(query: EventQuery): Promise<Page<SecurityEvent>>;
  countEvents(): Promise<number>;

  checkpoint(consumer: string): Promise<number>;
  commitEvaluation(commit: EvaluationCommit): Promise<void>;

  listIncidents(query: IncidentQuery): Promise<Page<Incident>>;
  getIncident(id: string): Promise<IncidentWithEvidence | null>;

  /** Pending notifications due at `nowMs`, oldest first. */
  dueNotifications(nowMs: number, limit: number): Promise<Notification[]>;
  /**
   * Due pending rows that carry a fold key, by channel, recipient and key, so that a group is read
   * whole (up to `limit` rows in all).
   */
  dueFoldedNotifications(nowMs: number, limit: number): Promise<Notification[]>;
  markNotificationSent(id: string, sentAt: string): Promise<void>;
  /** Records a failed attempt; `retryAtMs` null means the failure is permanent. */
  markNotificationFailed(id: string, error: string, retryAtMs: number | null): Promise<void>;
  listNotifications(incidentId: string): Promise<Notification[]>;
  /** pending → sending (phase `claimed`); false when the row is not pending (someone else has it). */
  claimNotification(id: string, attemptAtMs: number, leaseUntilMs: number): Promise<boolean>;
  /** Phase `committing` on a row in flight: from here on the provider may have the message. */
  markNotificationCommitting(id: string): Promise<void>;
  settleNotification(id: string, settlement: NotificationSettlement): Promise<void>;
  /**
   * A pending row becomes due at `untilMs` instead; `note` says why. Not an attempt. With
   * `foldKey`, the row joins the rows folded together when due (the overflow of a rate limit).
   */
  deferNotification(id: string, untilMs: number, note: string, foldKey?: string): Promise<void>;
  /**
   * Marks every member `folded` into `summary` and queues the summary, or does nothing and rejects
   * if any member is no longer pending.
   */
  foldNotifications(memberIds: readonly string[], summary: Notification): Promise<void>;
  /**
   * Rows in flight: all of them when `leaseExpiredByMs` is null (at start, when no attempt of this
   * process can be running), else those whose lease ran out by then.
   */
  inFlightNotifications(leaseExpiredByMs: number | null, limit: number): Promise<InFlightNotification[]>;
  /** Per recipient, messages sent or in flight on `channel` whose attempt started at or after `sinceMs`. */
  recentDeliveries(channel: Channel, sinceMs: number): Promise<RecentDeliveries[]>;
  reportIncident(report: UserReport): Promise<UserReportOutcome>;
  /** The user report on an incident, if any. */
  incidentReport(incidentId: string): Promise<{ reportedAt: string; reportedBy: string } | null>;

  /** Cheap liveness of the underlying storage, for `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
