import type { KeySpace } from './key-space.js';
import { FIRST_COLUMN, RowSet } from './row-set.js';

/** What every object state records: when (event time) and at which tick it was last touched. */
export interface Touched {
  touched: number;
  seen: number;
}

/**
 * Per-key state as one object per key, for the detectors whose state is not a fixed set of numbers
 * and is held by few keys (a user's known addresses, a sequence in progress). Rows of a RowSet
 * underneath, so that sweeping and persistence work as for the others; the object is the persisted
 * form.
 */
export class ObjectRows<S extends Touched> {
  private readonly rows: RowSet<S>;

  /** `ownSpace`: nothing else keeps state in `space`, so its changed keys are this state's alone. */
  constructor(
    readonly space: KeySpace,
    private readonly ownSpace = false,
  ) {
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

  /** Rows for the keys changed since the last call; only for a state that has its space to itself. */
  takeDirty(): { key: string; state: unknown }[] {
    if (!this.ownSpace) throw new Error('ObjectRows.takeDirty needs a key space of its own');
    const out: { key: string; state: unknown }[] = this.takeDeleted().map((key) => ({ key, state: null }));
    for (const id of this.space.takeDirty()) {
      const state = this.get(id);
      if (state !== undefined) out.push({ key: this.space.keyOf(id), state });
    }
    return out;
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
