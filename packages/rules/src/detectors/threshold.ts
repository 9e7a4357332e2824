import type { ThresholdSpec } from '../spec/schema.js';
import {
  type CompiledRule,
  type Detector,
  type EventRef,
  type Observation,
  type Verdict,
  withRef,
} from './detector.js';
import { KeyedState, type KeySpace, type Touched } from './keyed-state.js';

interface State extends Touched {
  /** Times of the matching events inside the window, in order; never more than threshold - 1. */
  ts: number[];
  /** The latest of them, as evidence. */
  refs: EventRef[];
}

/**
 * `threshold`: at least `threshold` matching events for a key within `window` of event time. The
 * events that reach the bar open the incident and leave the window: a later episode must earn its
 * own threshold, so no event is counted twice.
 */
export class ThresholdDetector implements Detector {
  readonly states: KeyedState<State>;
  private spec: ThresholdSpec;

  constructor(
    public rule: CompiledRule,
    space?: KeySpace,
  ) {
    this.states = new KeyedState<State>(space);
    this.spec = rule.spec as ThresholdSpec;
  }

  reconfigure(rule: CompiledRule): void {
    this.rule = rule;
    this.spec = rule.spec as ThresholdSpec;
  }

  observe(o: Observation, open: boolean): Verdict {
    if (open) return 'absorb';
    let state = this.states.get(o.key);
    if (state === undefined || state.ts.length === 0) {
      // Most keys never see a second event: arrays made with their first element stay that small.
      state = { touched: o.t, seen: o.tick, ts: [o.t], refs: [o.ref()] };
      this.states.touch(o.key, state, o.t, o.tick);
      return this.spec.threshold <= 1 ? this.fire(state) : null;
    }
    this.states.touch(o.key, state, o.t, o.tick);
    // Rebuilt at its exact size rather than grown in place (see withRef).
    const old = state.ts;
    let at = old.length;
    while (at > 0 && (old[at - 1] as number) > o.t) at -= 1;
    const newest = Math.max(o.t, old[old.length - 1] as number);
    let drop = 0;
    while (drop < at && (old[drop] as number) < newest - this.spec.window) drop += 1;
    const ts = [...old.slice(drop, at), o.t, ...old.slice(at)];
    while (ts.length > 0 && (ts[0] as number) < newest - this.spec.window) ts.shift();
    state.ts = ts;
    state.refs = withRef(state.refs, o.ref());
    if (ts.length < this.spec.threshold) return null;
    return this.fire(state);
  }

  /** The window's events open an incident and leave the window. */
  private fire(state: State): Verdict {
    const trigger = {
      first: state.ts[0] as number,
      last: state.ts[state.ts.length - 1] as number,
      events: state.refs,
      count: state.ts.length,
    };
    state.ts = [];
    state.refs = [];
    return trigger;
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
