/** What every per-key state records: when (event time) and at which tick it was last touched. */
export interface Touched {
  touched: number;
  seen: number;
}

/**
 * Per-key state of one detector, with the bookkeeping every detector needs: dirty tracking for
 * persistence and sweeping of idle keys. Keys are not reordered on touch: sweeps walk the whole
 * map now and then, which is cheaper than keeping an LRU order on every event.
 */
export class KeyedState<S extends Touched> {
  private readonly states = new Map<string, S>();
  private readonly dirty = new Set<string>();

  get(key: string): S | undefined {
    return this.states.get(key);
  }

  /** Marks `key` touched now (event time `t`, processing tick `tick`) and changed. */
  touch(key: string, state: S, t: number, tick: number): S {
    if (t > state.touched) state.touched = t;
    state.seen = tick;
    this.states.set(key, state);
    this.dirty.add(key);
    return state;
  }

  /** Records a change to `key`'s state without touching it. */
  changed(key: string): void {
    this.dirty.add(key);
  }

  delete(key: string): void {
    if (this.states.delete(key)) this.dirty.add(key);
  }

  load(key: string, state: S): void {
    this.states.set(key, state);
  }

  takeDirty(): { key: string; state: unknown }[] {
    const rows: { key: string; state: unknown }[] = [];
    for (const key of this.dirty) rows.push({ key, state: this.states.get(key) ?? null });
    this.dirty.clear();
    return rows;
  }

  sweep(before: number, sparedAfter: number, keep?: (state: S) => boolean): void {
    for (const [key, state] of this.states) {
      if (state.touched >= before || state.seen > sparedAfter) continue;
      if (keep?.(state)) continue;
      this.states.delete(key);
      this.dirty.add(key);
    }
  }

  size(): number {
    return this.states.size;
  }

  entries(): IterableIterator<[string, S]> {
    return this.states.entries();
  }
}
