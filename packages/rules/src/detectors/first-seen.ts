import type { FirstSeenSpec } from '../spec/schema.js';
import { KeySpace } from '../state/key-space.js';
import { ObjectRows, type Touched } from '../state/object-rows.js';
import type { CompiledRule, Detector, Observation, Verdict } from './detector.js';

interface State extends Touched {
  /** Known values and when each was last seen: the key's baseline. */
  known: [value: string, lastSeen: number][];
}

interface Shared extends Touched {
  /** Keys the value was seen for, up to `known_if_shared_by`. */
  keys: string[];
}

/** Row key of the rule's own bookkeeping, and the prefix of shared-value rows. */
const META = '\u0000meta';
const SHARED = '\u0001';

/**
 * `first_seen`: a value of `field` never seen before for a key (a new address for a user). A key
 * with no history gets a baseline, not an alert; nothing alerts while the rule is still learning
 * (`learning` of event time from the first event it saw); and with `known_if_shared_by`, a value
 * already seen for that many other keys is known (an office address everyone logs in from).
 * Baselines are state like any other: persisted, so a restart does not set off a storm of alerts.
 */
export class FirstSeenDetector implements Detector {
  private readonly states: ObjectRows<State>;
  /** Values by the keys they were seen for: a space of their own. */
  private readonly shared = new ObjectRows<Shared>(new KeySpace(), true);
  private spec: FirstSeenSpec;
  private started: number | undefined;
  private startedDirty = false;

  constructor(
    public rule: CompiledRule,
    space: KeySpace,
  ) {
    this.states = new ObjectRows<State>(space);
    this.spec = rule.spec as FirstSeenSpec;
  }

  reconfigure(rule: CompiledRule): void {
    this.rule = rule;
    this.spec = rule.spec as FirstSeenSpec;
  }

  observe(o: Observation, open: boolean): Verdict {
    const raw = (o.event as Record<string, unknown>)[this.spec.field];
    if (raw === undefined || raw === null || raw === '') return null;
    const value = String(raw);
    if (this.started === undefined || o.t < this.started) {
      this.started = o.t;
      this.startedDirty = true;
    }
    const existing = this.states.get(o.id);
    const state = this.states.touch(o.id, existing ?? { touched: o.t, seen: o.tick, known: [] }, o.t, o.tick);
    const forgetBefore = o.t - this.spec.remember;
    state.known = state.known.filter(([, last]) => last >= forgetBefore);
    const hadHistory = state.known.length > 0;
    const entry = state.known.find(([known]) => known === value);
    const sharedBy = this.share(value, o);

    if (entry) {
      if (o.t > entry[1]) entry[1] = o.t;
      return null;
    }
    state.known.push([value, o.t]);
    if (state.known.length > this.spec.max_values) {
      state.known.sort((a, b) => a[1] - b[1]);
      state.known.shift();
    }
    if (!hadHistory) return null;
    if (o.t < this.started + this.spec.learning) return null;
    const threshold = this.spec.known_if_shared_by;
    if (threshold !== undefined && sharedBy >= threshold) return null;
    return open ? 'absorb' : { first: o.t, events: [o.ref()], count: 1 };
  }

  /** Records that `value` was seen for `o.key`; returns for how many other keys it had been seen. */
  private share(value: string, o: Observation): number {
    const threshold = this.spec.known_if_shared_by;
    if (threshold === undefined) return 0;
    const id = this.shared.space.intern(SHARED + value);
    const shared = this.shared.touch(
      id,
      this.shared.get(id) ?? { touched: o.t, seen: o.tick, keys: [] },
      o.t,
      o.tick,
    );
    const others = shared.keys.filter((key) => key !== o.key).length;
    if (!shared.keys.includes(o.key) && shared.keys.length < threshold + 1) shared.keys.push(o.key);
    return others;
  }

  exportKey(id: number): State | undefined {
    return this.states.get(id);
  }

  takeDeleted(): string[] {
    return this.states.takeDeleted();
  }

  takeOwnDirty() {
    const rows = this.shared.takeDirty();
    if (this.startedDirty) {
      rows.push({ key: META, state: { started: this.started } });
      this.startedDirty = false;
    }
    return rows;
  }

  load(key: string, state: unknown): void {
    if (key === META) this.started = (state as { started?: number }).started;
    else if (key.startsWith(SHARED)) this.shared.load(key, state as Shared);
    else if (Array.isArray((state as Partial<State>).known)) this.states.load(key, state as State);
  }

  sweep(before: number, sparedAfter: number): void {
    this.states.sweep(before - this.spec.remember, sparedAfter);
    this.shared.sweep(before - this.spec.remember, sparedAfter);
  }

  dispose(): void {
    this.states.dispose();
    this.shared.dispose();
  }

  size(): number {
    return this.states.size() + this.shared.size();
  }
}
