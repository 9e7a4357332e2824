import type { KeySpace } from './key-space.js';
import { FIRST_COLUMN, RowSet, type RowsDump } from './row-set.js';
import type { SnapshotParts } from './snapshot-parts.js';

/** What every object state records: when (event time) and at which tick it was last touched. */
export interface Touched {
  touched: number;
  seen: number;
}

/**
 * Per-key state as one object per key, for the detectors whose state is not a fixed set of numbers
 * and is held by few keys (a sequence in progress). Rows of a RowSet underneath, so that sweeping
 * and snapshots work as for the others; the object (plain JSON) is the persisted form.
 */
export class ObjectRows<S extends Touched> {
  private readonly rows: RowSet<S>;

  constructor(readonly space: KeySpace) {
    this.rows = new RowSet<S>(space, FIRST_COLUMN);
  }

  get(id: number): S | undefined {
    const row = this.rows.row(id);
    return row < 0 ? undefined : this.rows.objects.get(row);
  }

  /** Stores `state` for key `id`, marked touched at event time `t` and `tick`. */
  touch(id: number, state: S, t: number, tick: number): S {
    if (t > state.touched) state.touched = t;
    state.seen = tick;
    let row = this.rows.row(id);
    if (row < 0) row = this.rows.create(id, state.touched, tick);
    else this.rows.touch(row, state.touched, tick);
    this.rows.objects.set(row, state);
    return state;
  }

  delete(id: number): void {
    this.rows.delete(id);
  }

  load(key: string, state: S): void {
    const id = this.space.intern(key);
    let row = this.rows.row(id);
    if (row < 0) row = this.rows.create(id, state.touched, state.seen);
    this.rows.objects.set(row, state);
  }

  snapshot(parts: SnapshotParts): RowsDump {
    return this.rows.dump(parts);
  }

  restore(state: unknown, parts: SnapshotParts, remap: Int32Array): boolean {
    return this.rows.restore(state as RowsDump, parts, remap);
  }

  forEachKey(visit: (id: number) => void): void {
    this.rows.forEachKey(visit);
  }

  sweep(before: number, sparedAfter: number): void {
    this.rows.sweep(before, sparedAfter);
  }

  size(): number {
    return this.rows.size;
  }

  dispose(): void {
    this.rows.dispose();
  }
}
