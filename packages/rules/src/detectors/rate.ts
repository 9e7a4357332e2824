import type { RateSpec } from '../spec/schema.js';
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
  /** Start of the bucket being counted. */
  b: number;
  /** Events in it, and the time of the first. */
  n: number;
  f: number;
  /** The key's normal rate (events per second), an exponentially weighted mean of past buckets. */
  normal: number;
  /** Buckets that went into `normal`. */
  buckets: number;
  /** The latest events of the bucket, for evidence. */
  refs: EventRef[];
  /** Whether this bucket went over a bar: such buckets do not teach the key what normal is. */
  high?: boolean;
}

/** Buckets a key must have been seen for before its own normal is trusted. */
const MIN_HISTORY = 6;
/** Weight of the newest bucket in the normal rate. */
const ALPHA = 0.1;

/**
 * `rate`: events per second from one key, measured over buckets of event time, far above an
 * absolute bar (`absolute`), or above the key's own normal (`relative` times it, and at least
 * `floor`). Either bar trips as soon as the bucket passes it. Buckets of a flood do not teach the
 * key that floods are normal.
 */
export class RateDetector implements Detector {
  readonly states: KeyedState<State>;
  private spec: RateSpec;
  private seconds: number;

  constructor(
    public rule: CompiledRule,
    space?: KeySpace,
  ) {
    this.states = new KeyedState<State>(space);
    this.spec = rule.spec as RateSpec;
    this.seconds = this.spec.bucket / 1000;
  }

  reconfigure(rule: CompiledRule): void {
    this.rule = rule;
    this.spec = rule.spec as RateSpec;
    this.seconds = this.spec.bucket / 1000;
  }

  observe(o: Observation, open: boolean): Verdict {
    const bucket = Math.floor(o.t / this.spec.bucket) * this.spec.bucket;
    const state = this.states.touch(
      o.key,
      this.states.get(o.key) ?? {
        touched: o.t,
        seen: o.tick,
        b: bucket,
        n: 0,
        f: o.t,
        normal: 0,
        buckets: 0,
        refs: [],
      },
      o.t,
      o.tick,
    );
    if (bucket > state.b) this.nextBucket(state, bucket);
    if (state.n === 0 || o.t < state.f) state.f = o.t;
    state.n += 1;
    state.refs = withRef(state.refs, o.ref());
    if (open) {
      state.high = true;
      return 'absorb';
    }
    if (state.high || !this.tooMany(state)) return null;
    state.high = true;
    return { first: state.f, events: state.refs, count: state.n };
  }

  /**
   * Whether the bucket so far is over a bar. A count only grows within a bucket, so a bucket over
   * the bar part-way is over it whole: judging early costs nothing and catches floods at once.
   */
  private tooMany(state: State): boolean {
    const rate = state.n / this.seconds;
    if (rate >= this.spec.absolute) return true;
    const relative = this.spec.relative;
    return (
      relative !== undefined &&
      state.buckets >= MIN_HISTORY &&
      rate >= this.spec.floor &&
      rate >= relative * state.normal
    );
  }

  /** Folds the finished bucket (unless it was a flood) and any empty ones into the normal rate. */
  private nextBucket(state: State, bucket: number): void {
    if (!state.high) {
      const rate = state.n / this.seconds;
      state.normal = state.buckets === 0 ? rate : state.normal * (1 - ALPHA) + rate * ALPHA;
      state.buckets += 1;
    }
    const empty = Math.min(1000, Math.floor((bucket - state.b) / this.spec.bucket) - 1);
    if (empty > 0 && state.buckets > 0) {
      state.normal *= (1 - ALPHA) ** empty;
      state.buckets += empty;
    }
    state.b = bucket;
    state.n = 0;
    state.refs = [];
    state.high = false;
  }

  takeOwnDirty() {
    return [];
  }

  load(key: string, state: unknown): void {
    this.states.load(key, state as State);
  }

  sweep(before: number, sparedAfter: number): void {
    // A key's normal is worth keeping for a while after it goes quiet: a day of event time.
    this.states.sweep(before - 86_400_000, sparedAfter);
  }

  dispose(): void {
    this.states.clear();
  }

  size(): number {
    return this.states.size();
  }
}
