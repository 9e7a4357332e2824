import { CidrSet, type IncidentKey, type SecurityEvent } from '@bulwark/schemas';
import type { CompiledRule, Detector, EventRef, Observation } from './detectors/detector.js';
import { DistinctDetector } from './detectors/distinct.js';
import { FirstSeenDetector } from './detectors/first-seen.js';
import { RateDetector } from './detectors/rate.js';
import { SequenceDetector } from './detectors/sequence.js';
import { ThresholdDetector } from './detectors/threshold.js';
import { Episodes, type EpisodesSnapshot, escalationOf } from './episodes.js';
import { eventTime } from './event-time.js';
import { categoriesOfRule, compileFilter, type Predicate, withoutCategory } from './filter.js';
import type { IncidentChange } from './rule.js';
import type { Allowlist, RuleSpec } from './spec/schema.js';
import { EventIds } from './state/event-ids.js';
import { KeySpace, type SpaceDump } from './state/key-space.js';
import { type Part, SnapshotParts } from './state/snapshot-parts.js';
import { READ_AHEAD_FROM, WARM_AHEAD, Warmer } from './warm.js';

export interface EngineOptions {
  rules: readonly RuleSpec[];
  /** Addresses and users no rule fires for. */
  allow?: Allowlist;
  /** How late (event time, behind the newest event) an event may arrive and still be evaluated. */
  lateness?: number;
  /** A key touched within this many events is never swept, however far event time jumps. */
  keepRecent?: number;
  /** Event time between sweeps of idle keys. */
  sweepEvery?: number;
  /**
   * Event time within which an incident's plain updates (more events, no rise in severity) are held
   * back after the latest reported one; `reportHeld` reports them. 0 (the default): never held.
   */
  updateEvery?: number;
  /**
   * IPv4 keys a key space must hold for the engine to read state ahead of the events of a batch
   * (see `warm.ts`); default READ_AHEAD_FROM. 0: always.
   */
  readAheadFrom?: number;
}

export interface EngineStats {
  /** Keys held per rule, and incidents in progress. */
  keys: Record<string, number>;
  episodes: number;
  /** Events dropped for arriving later than the allowed lateness. */
  late: number;
  evaluated: number;
}

interface Loaded {
  rule: CompiledRule;
  detector: Detector;
  keys: Keys;
  /** The filter less what dispatch by category already ensures; null when nothing is left. */
  check: Predicate | null;
  allow?: { cidrs: CidrSet; users: Set<string> };
}

/** The key space of the rules grouping by some fields, and the current event's key in it. */
class Keys {
  /** The tick the key below is of; it is worked out once per event for all the space's rules. */
  tick = -1;
  text = '';
  /** The key's id, or -1 when the event lacks a field of it. */
  id = -1;

  constructor(
    readonly space: KeySpace,
    readonly fields: readonly string[],
  ) {}

  /** The event's key: its text in `text`, its id returned (-1 when the event has no such key). */
  of(event: SecurityEvent, tick: number): number {
    if (tick === this.tick) return this.id;
    this.tick = tick;
    const fields = this.fields;
    let text = '';
    for (let i = 0; i < fields.length; i += 1) {
      const value = (event as Record<string, unknown>)[fields[i] as string];
      if (value === undefined || value === null || value === '') {
        this.id = -1;
        return -1;
      }
      text = i === 0 ? String(value) : `${text}${KEY_SEPARATOR}${String(value)}`;
    }
    this.text = text;
    this.id = this.space.intern(text);
    return this.id;
  }
}

/** Version of the snapshot layout: a snapshot of another is refused, not misread. */
const SNAPSHOT_FORMAT = 1;

/** The JSON of a snapshot. */
interface SnapshotMeta {
  format: number;
  clock: { watermark: number; lastSweep: number; tick: number; late: number };
  eventIds: ReturnType<EventIds['dump']>;
  spaces: { fields: readonly string[]; keys: SpaceDump }[];
  rules: { spec: RuleSpec; space: number; state: unknown }[];
  episodes: EpisodesSnapshot;
}

/** The engine's state, as `snapshot` gives it and `restore` takes it (see `encodeSnapshot`). */
export interface RulesSnapshot {
  meta: unknown;
  parts: Part[];
}
const KEY_SEPARATOR = '\u001f';
const DEFAULT_LATENESS = 3_600_000;
const DEFAULT_KEEP_RECENT = 100_000;
const DEFAULT_SWEEP_EVERY = 300_000;
/**
 * How far ahead of its receive time (`event.created`) an event may claim to be and still move the
 * engine's clock. A host whose clock is hours ahead must not close every incident and turn every
 * other event into a late one.
 */
const CLOCK_SKEW = 300_000;

/** The incident key of an event: the values of the rule's `group_by` fields. */
function keyFieldsOf(event: SecurityEvent, groupBy: readonly string[]): IncidentKey {
  const key: IncidentKey = {};
  for (const name of groupBy) key[name] = String((event as Record<string, unknown>)[name]);
  return key;
}

/** See `RuleEngine.observation`. */
class ReusedObservation implements Observation {
  event = undefined as unknown as SecurityEvent;
  t = 0;
  id = 0;
  tick = 0;
  /**
   * Where the key's text is, read through `key` by the few detectors that want it: storing the
   * text itself (a new string per event, in an object that lives long) cost a write barrier per rule.
   */
  private keys = undefined as unknown as Keys;
  private rule = undefined as unknown as CompiledRule;
  private made: EventRef | undefined;
  private readonly valueList: (string | undefined)[] = [];

  reset(event: SecurityEvent, t: number, keys: Keys, id: number, tick: number, rule: CompiledRule): this {
    this.event = event;
    this.t = t;
    this.keys = keys;
    this.id = id;
    this.tick = tick;
    this.rule = rule;
    this.made = undefined;
    return this;
  }

  get key(): string {
    return this.keys.text;
  }

  ref(): EventRef {
    this.made ??= { t: this.t, id: this.event['event.id'] };
    return this.made;
  }

  /**
   * The event's values of the rule's summary fields, in `summaryFields` order. One array reused for
   * every call, valid until the next: incidents copy out the values they list, and under a storm
   * every failed login is absorbed into an open incident, so a new array each time was garbage.
   */
  values(): (string | undefined)[] {
    const names = this.rule.summaryFields;
    const list = this.valueList;
    list.length = names.length;
    for (let i = 0; i < names.length; i += 1) {
      const value = (this.event as Record<string, unknown>)[names[i] as string];
      list[i] = value === undefined || value === null ? undefined : String(value);
    }
    return list;
  }
}

/** Fields named in braces in a summary template, other than the built-in ones. */
function summaryFields(spec: RuleSpec): string[] {
  const names = new Set<string>();
  for (const match of (spec.summary ?? '').matchAll(/\{([\w.@]+)\}/g)) names.add(match[1] as string);
  for (const builtin of ['count', 'key', 'first_seen', 'last_seen', ...spec.group_by]) names.delete(builtin);
  return [...names];
}

function allowOf(allow: Allowlist | undefined): Loaded['allow'] {
  if (!allow || (allow.cidrs.length === 0 && allow.users.length === 0)) return undefined;
  return { cidrs: new CidrSet(allow.cidrs), users: new Set(allow.users) };
}

function allowed(allow: Loaded['allow'], event: SecurityEvent): boolean {
  if (!allow) return false;
  const ip = event['source.ip'];
  if (ip !== undefined && allow.cidrs.has(ip)) return true;
  const user = event['user.name'];
  return user !== undefined && allow.users.has(user);
}

/**
 * Runs the rules over events in the order given, in event time, and keeps the incidents they raise
 * up to date. Deterministic: the same events in the same order give the same changes, live or in
 * replay. Pure: no I/O and no clock; the caller persists `snapshot()` and `restore`s it.
 */
export class RuleEngine {
  private loaded: Loaded[] = [];
  /** Rules by the `bulwark.category` values they admit; rules admitting any are under ''. */
  private byCategory = new Map<string, Loaded[]>();
  private readonly episodes: Episodes;
  /** One observation object reused for every rule and event: nothing is allocated per look. */
  private readonly observation = new ReusedObservation();
  /** How rows write event ids: one table of odd ids for the whole engine. */
  private readonly eventIds = new EventIds();
  /** Keys by the fields they group by: rules grouping alike share one space (see KeySpace). */
  private readonly spaces = new Map<string, Keys>();
  /** Reads ahead the state a run of events is about to read (see `warm.ts`). */
  private readonly warmer = new Warmer();
  private globalAllow: Loaded['allow'];
  private watermark = Number.NEGATIVE_INFINITY;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private tick = 0;
  private late = 0;
  private readonly lateness: number;
  private readonly keepRecent: number;
  private readonly sweepEvery: number;
  private readonly readAheadFrom: number;

  constructor(options: EngineOptions) {
    this.episodes = new Episodes(
      {
        opened: (key, keyText) => {
          const space = this.spaceOf(Object.keys(key));
          space.openEpisode(space.intern(keyText));
        },
        closed: (key, keyText) => {
          const space = this.spaceOf(Object.keys(key));
          const id = space.find(keyText);
          if (id >= 0) space.closeEpisode(id);
        },
      },
      options.updateEvery ?? 0,
    );
    this.lateness = options.lateness ?? DEFAULT_LATENESS;
    this.keepRecent = options.keepRecent ?? DEFAULT_KEEP_RECENT;
    this.sweepEvery = options.sweepEvery ?? DEFAULT_SWEEP_EVERY;
    this.readAheadFrom = options.readAheadFrom ?? READ_AHEAD_FROM;
    this.replaceRules(options.rules, options.allow);
  }

  /**
   * Swaps in a new set of rules. A rule that keeps its name, type, grouping and fields keeps its
   * state: editing a threshold does not forget who was close to it. Incidents in progress stay.
   */
  replaceRules(rules: readonly RuleSpec[], allow?: Allowlist): void {
    const previous = new Map(this.loaded.map((entry) => [entry.rule.spec.name, entry]));
    this.globalAllow = allowOf(allow);
    this.loaded = rules
      .filter((spec) => spec.enabled)
      .map((spec) => {
        const rule: CompiledRule = {
          spec,
          filter: compileFilter(spec.filter),
          summaryFields: summaryFields(spec),
          escalation: escalationOf(spec.escalate),
        };
        const old = previous.get(spec.name);
        const keys = this.keysOf(spec.group_by);
        let detector: Detector;
        if (old && compatible(old.rule.spec, spec)) {
          detector = old.detector;
          detector.reconfigure(rule);
          previous.delete(spec.name);
        } else detector = this.createDetector(rule, keys.space);
        const rest = withoutCategory(spec.filter);
        const check = Object.keys(rest).length === 0 ? null : compileFilter(rest);
        const entry: Loaded = { rule, detector, keys, check };
        const ruleAllow = allowOf(spec.allow);
        if (ruleAllow) entry.allow = ruleAllow;
        return entry;
      });
    for (const dropped of previous.values()) dropped.detector.dispose();
    this.byCategory = new Map();
    for (const entry of this.loaded) {
      for (const category of categoriesOfRule(entry.rule.spec) ?? ['']) {
        const list = this.byCategory.get(category) ?? [];
        list.push(entry);
        this.byCategory.set(category, list);
      }
    }
  }

  get rules(): readonly RuleSpec[] {
    return this.loaded.map((entry) => entry.rule.spec);
  }

  /** The key space of the keys made of these fields. */
  private spaceOf(fields: readonly string[]): KeySpace {
    return this.keysOf(fields).space;
  }

  private keysOf(fields: readonly string[]): Keys {
    const signature = fields.join(KEY_SEPARATOR);
    let keys = this.spaces.get(signature);
    if (keys === undefined) {
      keys = new Keys(new KeySpace(this.eventIds), [...fields]);
      this.spaces.set(signature, keys);
    }
    return keys;
  }

  private createDetector(rule: CompiledRule, space: KeySpace): Detector {
    switch (rule.spec.type) {
      case 'threshold':
        return new ThresholdDetector(rule, space);
      case 'distinct':
        return new DistinctDetector(rule, space);
      case 'first_seen':
        return new FirstSeenDetector(rule, space);
      case 'sequence':
        return new SequenceDetector(rule, (kind, key, since) => this.episodes.seen(kind, key, since), space);
      case 'rate':
        return new RateDetector(rule, space);
    }
  }

  evaluate(events: Iterable<SecurityEvent>): IncidentChange[] {
    const out: IncidentChange[] = [];
    const anyCategory = this.byCategory.get('') ?? [];
    if (Array.isArray(events) && this.worthReadingAhead()) {
      // A run of events at a time: their state read ahead (all at once, so that the trips to
      // memory overlap), then the events evaluated, in order, as below.
      const list = events as readonly SecurityEvent[];
      const warmer = this.warmer;
      warmer.prepare(this.byCategory, anyCategory);
      for (let from = 0; from < list.length; from += WARM_AHEAD) {
        const to = Math.min(list.length, from + WARM_AHEAD);
        warmer.warm(list, from, to);
        for (let i = from; i < to; i += 1)
          this.evaluateOne(
            list[i] as SecurityEvent,
            warmer.specific[i - from] as Loaded[] | undefined,
            anyCategory,
          );
      }
    } else
      for (const event of events)
        this.evaluateOne(event, this.byCategory.get(event['bulwark.category']), anyCategory);
    for (const keys of this.spaces.values()) keys.space.settle();
    this.episodes.flush(out);
    return out;
  }

  /** Whether some key space holds enough keys that its state is out of the caches (`readAheadFrom`). */
  private worthReadingAhead(): boolean {
    for (const keys of this.spaces.values()) if (keys.space.addressKeys >= this.readAheadFrom) return true;
    return false;
  }

  /**
   * The updates held back (see `EngineOptions.updateEvery`), for a caller that has evaluated every
   * event it has for now: a live stage caught up with its input, a replay at its end.
   */
  reportHeld(): IncidentChange[] {
    const out: IncidentChange[] = [];
    this.episodes.flushHeld(out);
    return out;
  }

  /** Evaluates one event: the clock, lateness, allowlists, then the rules of its category (`specific`). */
  private evaluateOne(
    event: SecurityEvent,
    specific: readonly Loaded[] | undefined,
    anyCategory: readonly Loaded[],
  ): void {
    const t = eventTime(event['@timestamp']);
    if (Number.isNaN(t)) return;
    const created = event['event.created'] === undefined ? Number.NaN : eventTime(event['event.created']);
    const clock = Number.isNaN(created) ? t : Math.min(t, created + CLOCK_SKEW);
    if (clock > this.watermark) {
      this.watermark = clock;
      this.episodes.closeDue(clock);
      if (clock - this.lastSweep >= this.sweepEvery) this.sweep();
    } else if (t < this.watermark - this.lateness) {
      this.late += 1;
      return;
    }
    if (allowed(this.globalAllow, event)) return;
    this.tick += 1;
    if (specific) for (const entry of specific) this.apply(entry, event, t);
    for (const entry of anyCategory) this.apply(entry, event, t);
  }

  private apply(entry: Loaded, event: SecurityEvent, t: number): void {
    const { rule, detector, keys } = entry;
    if (entry.check !== null && !entry.check(event)) return;
    if (entry.allow !== undefined && allowed(entry.allow, event)) return;
    const id = keys.of(event, this.tick);
    if (id < 0) return;
    const key = keys.text;
    const observation = this.observation.reset(event, t, keys, id, this.tick, rule);
    const episode = keys.space.mayBeOpen(id) ? this.episodes.openFor(rule.spec.kind, key, t) : undefined;
    const verdict = detector.observe(observation, episode !== undefined);
    if (verdict === null) return;
    if (verdict === 'absorb') {
      if (episode !== undefined)
        this.episodes.absorb(episode, rule, t, event['event.id'], observation.values());
    } else
      this.episodes.openWith(
        rule,
        key,
        keyFieldsOf(event, rule.spec.group_by),
        verdict,
        observation.values(),
      );
  }

  private sweep(): void {
    this.lastSweep = this.watermark;
    const sparedAfter = this.tick - this.keepRecent;
    for (const entry of this.loaded) entry.detector.sweep(this.watermark, sparedAfter);
    this.episodes.sweep(this.watermark - 86_400_000);
  }

  /**
   * All the engine's state, for the caller to persist: JSON (`meta`) and typed arrays (`parts`, views
   * of live state: write them out before evaluating again). `restore` takes it back.
   */
  snapshot(): RulesSnapshot {
    const parts = new SnapshotParts();
    const spaces = [...this.spaces.values()].map((keys) => ({
      fields: keys.fields,
      keys: keys.space.dump(parts),
    }));
    const signatures = [...this.spaces.values()].map((keys) => keys.fields.join(KEY_SEPARATOR));
    const rules = this.loaded.map((entry) => ({
      spec: entry.rule.spec,
      space: signatures.indexOf(entry.keys.fields.join(KEY_SEPARATOR)),
      state: entry.detector.snapshot(parts),
    }));
    const meta: SnapshotMeta = {
      format: SNAPSHOT_FORMAT,
      clock: { watermark: this.watermark, lastSweep: this.lastSweep, tick: this.tick, late: this.late },
      eventIds: this.eventIds.dump(),
      spaces,
      rules,
      episodes: this.episodes.snapshot(),
    };
    return { meta, parts: parts.list };
  }

  /**
   * Takes back a snapshot, into an engine that has evaluated nothing. Rules are matched by name:
   * one that kept its shape takes its rows as they are; one edited so that its rows changed size
   * takes its state key by key; one that is gone, or changed type, grouping or fields, starts afresh.
   */
  restore(snapshot: RulesSnapshot): void {
    const meta = snapshot.meta as SnapshotMeta;
    if (meta.format !== SNAPSHOT_FORMAT)
      throw new Error(`rule state snapshot of format ${String(meta.format)}, not ${SNAPSHOT_FORMAT}`);
    const parts = new SnapshotParts(snapshot.parts);
    this.eventIds.restore(meta.eventIds);
    const remaps = meta.spaces.map((dumped) => ({
      keys: this.keysOf(dumped.fields),
      remap: this.keysOf(dumped.fields).space.restoreKeys(dumped.keys, parts),
    }));
    const byName = new Map(this.loaded.map((entry) => [entry.rule.spec.name, entry]));
    for (const saved of meta.rules) {
      const entry = byName.get(saved.spec.name);
      const space = remaps[saved.space];
      if (entry === undefined || space === undefined || space.keys !== entry.keys) continue;
      if (!compatible(saved.spec, entry.rule.spec)) continue;
      if (entry.detector.restore(saved.state, parts, space.remap)) continue;
      // Rows of another size: through a detector of the saved rule, key by key.
      const old = this.createDetector(
        { spec: saved.spec, filter: () => false, summaryFields: [], escalation: [] },
        entry.keys.space,
      );
      if (old.restore(saved.state, parts, space.remap)) {
        old.forEachKey((id) => entry.detector.load(entry.keys.space.keyOf(id), old.exportKey(id)));
      }
      old.dispose();
    }
    this.episodes.restore(meta.episodes);
    this.watermark = meta.clock.watermark;
    this.lastSweep = meta.clock.lastSweep;
    this.tick = meta.clock.tick;
    this.late = meta.clock.late;
    for (const keys of this.spaces.values()) {
      keys.space.releaseUnused();
      keys.tick = -1;
    }
  }

  stats(): EngineStats {
    const keys: Record<string, number> = {};
    for (const entry of this.loaded) keys[entry.rule.spec.name] = entry.detector.size();
    return { keys, episodes: this.episodes.size(), late: this.late, evaluated: this.tick };
  }
}

/** Whether a detector's state still means the same under an edited rule. */
function compatible(before: RuleSpec, after: RuleSpec): boolean {
  const field = (spec: RuleSpec) => ('field' in spec ? spec.field : '');
  return (
    before.type === after.type &&
    before.group_by.join() === after.group_by.join() &&
    field(before) === field(after) &&
    (before.type !== 'sequence' || JSON.stringify(before) === JSON.stringify(after))
  );
}

/** Folds changes into the latest version of each incident, keyed by id, in order of first appearance. */
export function latestIncidents(changes: Iterable<IncidentChange>): Map<string, IncidentChange['incident']> {
  const latest = new Map<string, IncidentChange['incident']>();
  for (const change of changes) latest.set(change.incident.id, change.incident);
  return latest;
}
