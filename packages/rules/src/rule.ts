import type { Incident, SecurityEvent, Severity } from '@bulwark/schemas';

/** What evaluating one event did to one incident. */
export interface IncidentChange {
  type: 'opened' | 'updated';
  incident: Incident;
  /** The severity before this change, on updates; a rise is what earns a new notification. */
  previousSeverity?: Severity;
}

/**
 * What a rule must remember across restarts for one key, as the store keeps it (the `baselines`
 * of the Store port). `state: null` means the key is forgotten and its row may be deleted.
 */
export interface RuleStateRow {
  rule: string;
  key: string;
  state: unknown;
}

/**
 * A correlation rule. Pure: it sees events in the order given, keeps its own state in memory, reads
 * no clock (all time is event time) and does no I/O. Persisting state is the caller's job, through
 * `takeDirty` after a batch and `load` on start.
 */
export interface Rule {
  readonly name: string;
  /** Applies one event; appends any incident changes to `out`. */
  evaluate(event: SecurityEvent, out: IncidentChange[]): void;
  /** State rows changed since the last call, for the caller to persist with the incidents. */
  takeDirty(): RuleStateRow[];
  /** Restores persisted state; called before the first `evaluate`. */
  load(rows: Iterable<Omit<RuleStateRow, 'rule'>>): void;
  /** Number of keys held in memory (for the memory bound and its metric). */
  size(): number;
}
