import type { DistinctSpec } from '../spec/schema.js';
import {
  type CompiledRule,
  type Detector,
  type EventRef,
  KEPT_REFS,
  type Observation,
  type Verdict,
} from './detector.js';
import { KeyedState, type KeySpace, type Touched } from './keyed-state.js';

interface Seen {
  /** The value. */
  v: string;
  /** Times it was seen inside the window (the last few, enough for `per_value_below`), oldest first. */
  ts: number[];
  /** Events with it since it entered the window. */
  n: number;
  /** The latest event with it, as evidence. */
  ref: EventRef;
}

interface State extends Touched {
  values: Seen[];
}

/**
 * `distinct`: at least `threshold` distinct values of `field` for a key within `window`. With
 * `per_value_below`, a value seen that often in the window does not count: one address hammering
 * an account is a brute force of its own, not part of a distributed one.
 */
export class DistinctDetector implements Detector {
  readonly states: KeyedState<State>;
  private spec: DistinctSpec;
  /** Values kept per key: enough to decide, bounded whatever the input. */
  private maxValues: number;
  private maxTimes: number;

  constructor(
    public rule: CompiledRule,
    space?: KeySpace,
  ) {
    this.states = new KeyedState<State>(space);
    this.spec = rule.spec as DistinctSpec;
    this.maxValues = this.spec.threshold * 4;
    this.maxTimes = this.spec.per_value_below ?? 1;
  }

  reconfigure(rule: CompiledRule): void {
    this.rule = rule;
    this.spec = rule.spec as DistinctSpec;
    this.maxValues = this.spec.threshold * 4;
    this.maxTimes = this.spec.per_value_below ?? 1;
  }

  observe(o: Observation, open: boolean): Verdict {
    if (open) return 'absorb';
    const raw = (o.event as Record<string, unknown>)[this.spec.field];
    if (raw === undefined || raw === null || raw === '') return null;
    const value = String(raw);
    const existing = this.states.get(o.key);
    if (existing === undefined || existing.values.length === 0) {
      // First value of the key: made at its final size (see ThresholdDetector).
      const state = { touched: o.t, seen: o.tick, values: [{ v: value, ts: [o.t], n: 1, ref: o.ref() }] };
      this.states.touch(o.key, state, o.t, o.tick);
      return null;
    }
    const state = this.states.touch(o.key, existing, o.t, o.tick);
    const since = o.t - this.spec.window;
    let kept = 0;
    for (const entry of state.values) {
      let old = 0;
      while (old < entry.ts.length && (entry.ts[old] as number) < since) old += 1;
      if (old > 0) entry.ts.splice(0, old);
      if (entry.ts.length > 0) state.values[kept++] = entry;
    }
    state.values.length = kept;
    let entry = state.values.find((candidate) => candidate.v === value);
    if (!entry) {
      entry = { v: value, ts: [], n: 0, ref: o.ref() };
      state.values = [...state.values, entry];
      if (state.values.length > this.maxValues) {
        state.values.sort((a, b) => (a.ts[a.ts.length - 1] ?? 0) - (b.ts[b.ts.length - 1] ?? 0));
        state.values.shift();
      }
    }
    entry.ts = entry.ts.length < this.maxTimes ? [...entry.ts, o.t] : [...entry.ts.slice(1), o.t];
    entry.n += 1;
    entry.ref = o.ref();

    const limit = this.spec.per_value_below;
    let distinct = 0;
    let count = 0;
    let first = o.t;
    for (const e of state.values) {
      if (limit !== undefined && e.ts.length >= limit) continue;
      distinct += 1;
      count += e.n;
      if ((e.ts[0] as number) < first) first = e.ts[0] as number;
    }
    if (distinct < this.spec.threshold) return null;
    const events = state.values
      .filter((e) => limit === undefined || e.ts.length < limit)
      .map((e) => e.ref)
      .sort((a, b) => a.t - b.t)
      .slice(-KEPT_REFS);
    state.values = [];
    return { first, events, count };
  }

  takeOwnDirty() {
    return [];
  }

  load(key: string, state: unknown): void {
    this.states.load(key, state as State);
  }

  sweep(before: number, sparedAfter: number): void {
    this.states.sweep(before - this.spec.window, sparedAfter);
  }

  dispose(): void {
    this.states.clear();
  }

  size(): number {
    return this.states.size();
  }
}
