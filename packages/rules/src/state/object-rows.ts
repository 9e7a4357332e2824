import type { KeySpace } from './key-space.js';
import { FIRST_COLUMN, RowSet } from './row-set.js';

/** What every object state records: when (event time) and at which tick it was last touched. */
export interface Touched {
  touched: number;
  seen: number;
}

/**
 * Per-key state as one object per key, for the detectors whose state is not a fixed set of numbers
 * and is held by few keys (a sequence in progress). Rows of a RowSet
 * underneath, so that sweeping and persistence work as for the others; the object is the persisted
 * form.
 */
export class ObjectRows<S extends Touched> {
  private readonly rows: RowSet<S>;

  constructor(readonly space: KeySpace) {
    this.rows = new RowSet<S>(space, FIRST_COLUMN);
  }

  get(id: number): S | undefined {
    const row = this.rows.row(id);
    return row < 0 ? undefined : this.rows.objects[row];
  }

  /** Stores `state` for key `id`, marked touched at event time `t` and `tick`, and changed. */
  touch(id: number, state: S, t: number, tick: number): S {
    if (t > state.touched) state.touched = t;
    state.seen = tick;
    let row = this.rows.row(id);
    if (row < 0) row = this.rows.create(id, state.touched, tick);
    else this.rows.touch(row, id, state.touched, tick);
    this.rows.objects[row] = state;
    return state;
  }

  delete(id: number): void {
    this.rows.delete(id);
  }

  load(key: string, state: S): void {
    const id = this.space.intern(key);
    let row = this.rows.row(id);
    if (row < 0) row = this.rows.create(id, state.touched, state.seen, false);
    this.rows.objects[row] = state;
  }

  takeDeleted(): string[] {
    return this.rows.takeDeleted();
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
