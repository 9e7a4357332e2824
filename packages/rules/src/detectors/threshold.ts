import type { ThresholdSpec } from '../spec/schema.js';
import type { CompiledRule, Detector, EventRef, Observation, Verdict } from './detector.js';
import { KeyedState, type Touched } from './keyed-state.js';

interface State extends Touched {
  /** Matching events inside the window, oldest first; never more than threshold - 1 between triggers. */
  w: EventRef[];
}

/**
 * `threshold`: at least `threshold` matching events for a key within `window` of event time. The
 * events that reach the bar open the incident and leave the window: a later episode must earn its
 * own threshold, so no event is counted twice.
 */
export class ThresholdDetector implements Detector {
  private readonly states = new KeyedState<State>();
  private spec: ThresholdSpec;

  constructor(public rule: CompiledRule) {
    this.spec = rule.spec as ThresholdSpec;
  }

  reconfigure(rule: CompiledRule): void {
    this.rule = rule;
    this.spec = rule.spec as ThresholdSpec;
  }

  observe(o: Observation, open: boolean): Verdict {
    if (open) return 'absorb';
    const state = this.states.touch(
      o.key,
      this.states.get(o.key) ?? { touched: o.t, seen: o.tick, w: [] },
      o.t,
      o.tick,
    );
    const w = state.w;
    let at = w.length;
    while (at > 0 && (w[at - 1] as EventRef).t > o.t) at -= 1;
    w.splice(at, 0, o.ref);
    const newest = (w[w.length - 1] as EventRef).t;
    let drop = 0;
    while (drop < w.length && (w[drop] as EventRef).t < newest - this.spec.window) drop += 1;
    if (drop > 0) w.splice(0, drop);
    if (w.length < this.spec.threshold) return null;
    state.w = [];
    return { events: w, count: w.length };
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
