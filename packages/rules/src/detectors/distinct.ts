import type { DistinctSpec } from '../spec/schema.js';
import type { CompiledRule, Detector, EventRef, Observation, Verdict } from './detector.js';
import { KeyedState, type Touched } from './keyed-state.js';

interface Seen {
  /** The value. */
  v: string;
  /** Times it was seen inside the window (the last few, enough for `per_value_below`), oldest first. */
  ts: number[];
  /** Events with it since it entered the window. */
  n: number;
  /** The latest event with it. */
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
  private readonly states = new KeyedState<State>();
  private spec: DistinctSpec;
  /** Values kept per key: enough to decide, bounded whatever the input. */
  private maxValues: number;
  private maxTimes: number;

  constructor(public rule: CompiledRule) {
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
    const state = this.states.touch(
      o.key,
      this.states.get(o.key) ?? { touched: o.t, seen: o.tick, values: [] },
      o.t,
      o.tick,
    );
    const since = o.t - this.spec.window;
    state.values = state.values.filter((entry) => {
      entry.ts = entry.ts.filter((t) => t >= since);
      return entry.ts.length > 0;
    });
    let entry = state.values.find((candidate) => candidate.v === value);
    if (!entry) {
      entry = { v: value, ts: [], n: 0, ref: o.ref };
      state.values.push(entry);
      if (state.values.length > this.maxValues) {
        state.values.sort((a, b) => (a.ts[a.ts.length - 1] ?? 0) - (b.ts[b.ts.length - 1] ?? 0));
        state.values.shift();
      }
    }
    entry.ts.push(o.t);
    entry.n += 1;
    if (entry.ts.length > this.maxTimes) entry.ts.shift();
    entry.ref = o.ref;

    const limit = this.spec.per_value_below;
    const counted = limit === undefined ? state.values : state.values.filter((e) => e.ts.length < limit);
    if (counted.length < this.spec.threshold) return null;
    state.values = [];
    const events = counted.map((e) => e.ref).sort((a, b) => a.t - b.t);
    return { events, count: counted.reduce((sum, e) => sum + e.n, 0) };
  }

  takeDirty() {
    return this.states.takeDirty();
  }

  load(key: string, state: unknown): void {
    this.states.load(key, state as State);
  }

  sweep(before: number, sparedAfter: number): void {
    this.states.sweep(before - this.spec.window, sparedAfter);
  }

  size(): number {
    return this.states.size();
  }
}
