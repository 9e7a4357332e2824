import type { SecurityEvent, Severity } from '@bulwark/schemas';
import type { Predicate } from '../filter.js';
import type { RuleSpec } from '../spec/schema.js';
import type { SnapshotParts } from '../state/snapshot-parts.js';

/**
 * An event a detector remembers: enough to cite it as evidence. Only its time and id: with millions
 * of keys every field kept per event counts, so summaries take their values from the events an
 * incident absorbs, starting with the one that opens it.
 */
export interface EventRef {
  t: number;
  id: string;
}

/** What a detector says about one event. */
export type Verdict =
  /** Nothing to report. */
  | null
  /** The event belongs to the incident already open for its key. */
  | 'absorb'
  /** The rule's condition is met: open an incident with these events. */
  | Trigger;

export interface Trigger {
  /** Time of the first event that made the condition: the incident starts there (and its id with it). */
  first: number;
  /** Time of the latest of them, when the kept `events` may not include it. */
  last?: number;
  /** The latest of those events (at most KEPT_REFS), oldest first; their ids become the evidence. */
  events: EventRef[];
  /** How many events the incident starts with (more than `events` when not all are kept). */
  count: number;
  severity?: Severity;
}

/**
 * Events a detector keeps per key to cite as evidence. Only the latest few: a key close to a bar
 * holds its count and times, not every event, which keeps memory small with millions of keys.
 */
export const KEPT_REFS = 5;

/**
 * `refs` with `ref` appended, keeping the latest KEPT_REFS. A new array of the exact size: growing
 * an array by push reserves room for 17, which with millions of keys is most of the memory.
 */
export function withRef(refs: readonly EventRef[], ref: EventRef): EventRef[] {
  return refs.length < KEPT_REFS ? [...refs, ref] : [...refs.slice(1), ref];
}

/** One event as a rule sees it: its time and the key it groups under. Valid during `observe` only. */
export interface Observation {
  readonly event: SecurityEvent;
  readonly t: number;
  /** Canonical key text (values of `group_by`, joined). */
  readonly key: string;
  /** The key's id in the rule's key space: where its state rows are found. */
  readonly id: number;
  /** The event as evidence; made on first call, as most observations keep nothing. */
  ref(): EventRef;
  /** Position of this event in evaluation order: what protects recently active keys from sweeps. */
  readonly tick: number;
}

/** An incident of some kind, open or recently open for a key: what sequence rules look back at. */
export type EpisodeLookup = (kind: string, key: string, since: number) => boolean;

/** A rule ready to run: its spec, compiled filter and the fields its summary names. */
export interface CompiledRule {
  spec: RuleSpec;
  filter: Predicate;
  summaryFields: string[];
  /** The spec's `escalate` as severity, count pairs, flat, lowest severity first (`escalationOf`). */
  escalation: (Severity | number)[];
}

/**
 * The condition of one rule, over keyed state kept in event time. Deterministic and free of I/O;
 * its state can be exported as rows and loaded back, so a restart carries on where it stopped.
 */
export interface Detector {
  readonly rule: CompiledRule;
  /** Takes an edited version of the same rule (same type, grouping and fields), keeping the state. */
  reconfigure(rule: CompiledRule): void;
  /** `open`: whether an incident of the rule's kind is open for this key right now. */
  observe(observation: Observation, open: boolean): Verdict;
  /**
   * Its state for a snapshot: JSON, with typed arrays added to `parts` (views of live state, valid
   * until the engine evaluates again).
   */
  snapshot(parts: SnapshotParts): unknown;
  /**
   * Takes the state of `snapshot`, into a detector that has none; key ids are mapped with `remap`.
   * Returns false, changing nothing, when the state is of another shape (the rule was edited so that
   * its rows changed size): the engine then carries it over key by key (`exportKey`, `load`).
   */
  restore(state: unknown, parts: SnapshotParts, remap: Int32Array): boolean;
  /** Key `id`'s state in a form `load` takes back, whatever the rule's shape; undefined when none. */
  exportKey(id: number): unknown;
  /** Restores a key's state from `exportKey`'s form; a form it does not know is ignored. */
  load(key: string, state: unknown): void;
  /** The column of its rows in its key space's records, -1 if none: what `warm.ts` reads ahead. */
  rowColumn(): number;
  /** Calls `visit` with the id of every key with state. */
  forEachKey(visit: (id: number) => void): void;
  /** Forgets keys idle since before `before`, sparing those touched after tick `sparedAfter`. */
  sweep(before: number, sparedAfter: number): void;
  size(): number;
  /** Drops all state: the rule is gone. */
  dispose(): void;
}
