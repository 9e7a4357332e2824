import { compileFilter, type Predicate } from '../filter.js';
import type { SequenceSpec } from '../spec/schema.js';
import type { KeySpace } from '../state/key-space.js';
import { ObjectRows, type Touched } from '../state/object-rows.js';
import type { SnapshotParts } from '../state/snapshot-parts.js';
import {
  type CompiledRule,
  type Detector,
  type EpisodeLookup,
  type EventRef,
  type Observation,
  type Verdict,
  withRef,
} from './detector.js';

type Step = { kind: 'event'; filter: Predicate; count: number } | { kind: 'incident'; incident: string };

interface State extends Touched {
  /** When the sequence began (its first step completed). */
  began: number;
  /** Index of the next step to complete. */
  next: number;
  /** Events matched so far for the steps, oldest first. */
  hits: EventRef[];
  /** Matches of the step in progress (steps with a count). */
  partial: number;
}

/**
 * `sequence`: steps in order for the same key, the last within `window` of the first. A step is
 * events matching a filter (`count` of them), or an incident of some kind open for the key
 * (`incident: brute_force`), which lets a rule build on another: a success after a brute force,
 * an email change after a login from a new address.
 */
export class SequenceDetector implements Detector {
  private readonly states: ObjectRows<State>;
  private spec: SequenceSpec;
  private readonly steps: Step[];

  constructor(
    public rule: CompiledRule,
    private readonly lookup: EpisodeLookup,
    space: KeySpace,
  ) {
    this.states = new ObjectRows<State>(space);
    this.spec = rule.spec as SequenceSpec;
    this.steps = this.spec.steps.map((step) =>
      'incident' in step
        ? { kind: 'incident', incident: step.incident }
        : { kind: 'event', filter: compileFilter(step.filter), count: step.count },
    );
  }

  reconfigure(rule: CompiledRule): void {
    this.rule = rule;
    this.spec = rule.spec as SequenceSpec;
  }

  observe(o: Observation, open: boolean): Verdict {
    let state = this.states.get(o.id);
    if (state && o.t - state.began > this.spec.window) {
      this.states.delete(o.id);
      state = undefined;
    }
    let next = state?.next ?? 0;
    // Incident steps are satisfied by looking back at the incidents of the key.
    while (next < this.steps.length) {
      const step = this.steps[next] as Step;
      if (step.kind !== 'incident') break;
      if (!this.lookup(step.incident, o.key, o.t - this.spec.window)) return null;
      next += 1;
    }
    if (next >= this.steps.length) return null;
    const step = this.steps[next] as Step & { kind: 'event' };
    if (!step.filter(o.event)) return null;

    state = this.states.touch(
      o.id,
      state ?? { touched: o.t, seen: o.tick, began: o.t, next, hits: [], partial: 0 },
      o.t,
      o.tick,
    );
    state.next = next;
    state.hits = withRef(state.hits, o.ref());
    state.partial += 1;
    if (state.partial < step.count) return null;
    state.partial = 0;
    state.next = next + 1;
    if (state.next < this.steps.length) return null;
    const hits = state.hits;
    this.states.delete(o.id);
    return open ? 'absorb' : { first: (hits[0] as EventRef).t, events: hits, count: 1 };
  }

  exportKey(id: number): State | undefined {
    return this.states.get(id);
  }

  snapshot(parts: SnapshotParts): unknown {
    return this.states.snapshot(parts);
  }

  restore(state: unknown, parts: SnapshotParts, remap: Int32Array): boolean {
    return this.states.restore(state, parts, remap);
  }

  rowColumn(): number {
    return -1;
  }

  forEachKey(visit: (id: number) => void): void {
    this.states.forEachKey(visit);
  }

  load(key: string, state: unknown): void {
    if (Array.isArray((state as Partial<State>).hits)) this.states.load(key, state as State);
  }

  sweep(before: number, sparedAfter: number): void {
    this.states.sweep(before - this.spec.window, sparedAfter);
  }

  dispose(): void {
    this.states.dispose();
  }

  size(): number {
    return this.states.size();
  }
}
