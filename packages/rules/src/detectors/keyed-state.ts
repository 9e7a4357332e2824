/** What every per-key state records: when (event time) and at which tick it was last touched. */
export interface Touched {
  touched: number;
  seen: number;
}

/**
 * The keys of every rule that groups by the same fields, in one map: each key holds one slot per
 * rule. A million addresses then cost one map entry and one key string each, not one per rule, and
 * the engine finds a key's slots once per event (`focus`) for all its rules.
 */
export class KeySpace {
  private readonly map = new Map<string, (unknown | undefined)[]>();
  /** Keys whose state changed since the last `takeDirty`, whichever rule changed it. */
  private readonly dirty = new Set<string>();
  private width = 0;
  private focusKey: string | undefined;
  private focusSlots: (unknown | undefined)[] | undefined;
  private focusDirty = false;

  /** Reserves a slot for one rule's state. */
  register(): number {
    this.width += 1;
    return this.width - 1;
  }

  /** Looks `key` up once; the rules that read it next get its slots without another lookup. */
  focus(key: string): void {
    if (key === this.focusKey) return;
    this.focusKey = key;
    this.focusSlots = this.map.get(key);
    this.focusDirty = false;
  }

  /** Notes that `key` changed; the focused key is noted once however many rules change it. */
  markDirty(key: string): void {
    if (key === this.focusKey) {
      if (this.focusDirty) return;
      this.focusDirty = true;
    }
    this.dirty.add(key);
  }

  /** The keys changed since the last call. */
  takeDirty(): string[] {
    const keys = [...this.dirty];
    this.dirty.clear();
    this.focusDirty = false;
    return keys;
  }

  slots(key: string): (unknown | undefined)[] | undefined {
    return key === this.focusKey ? this.focusSlots : this.map.get(key);
  }

  ensure(key: string): (unknown | undefined)[] {
    let slots = this.slots(key);
    if (slots === undefined) {
      // Sized at once: an empty array grown by one assignment reserves room for 17.
      slots = new Array<unknown>(this.width);
      this.map.set(key, slots);
      if (key === this.focusKey) this.focusSlots = slots;
    }
    return slots;
  }

  /** Drops `key` once none of its slots holds state. */
  release(key: string, slots: (unknown | undefined)[]): void {
    for (const slot of slots) if (slot !== undefined) return;
    this.map.delete(key);
    if (key === this.focusKey) this.focusSlots = undefined;
  }

  entries(): IterableIterator<[string, (unknown | undefined)[]]> {
    return this.map.entries();
  }
}

/**
 * Per-key state of one detector, kept in a slot of a shared KeySpace, with the bookkeeping every
 * detector needs: dirty tracking for persistence and sweeping of idle keys. Sweeps walk the keys now
 * and then, which is cheaper than keeping them in least-recently-used order on every event.
 */
export class KeyedState<S extends Touched> {
  /** This state's slot in its key space. */
  readonly index: number;
  /** Keys whose state was dropped since the last `takeDeleted`. */
  private deleted: string[] = [];
  private count = 0;

  constructor(private readonly space: KeySpace = new KeySpace()) {
    this.index = space.register();
  }

  get(key: string): S | undefined {
    return this.space.slots(key)?.[this.index] as S | undefined;
  }

  /** Stores `state` for `key`, marked touched now (event time `t`, processing tick `tick`) and changed. */
  touch(key: string, state: S, t: number, tick: number): S {
    if (t > state.touched) state.touched = t;
    state.seen = tick;
    const slots = this.space.ensure(key);
    if (slots[this.index] === undefined) this.count += 1;
    slots[this.index] = state;
    this.space.markDirty(key);
    return state;
  }

  delete(key: string): void {
    const slots = this.space.slots(key);
    if (slots?.[this.index] === undefined) return;
    slots[this.index] = undefined;
    this.count -= 1;
    this.deleted.push(key);
    this.space.release(key, slots);
  }

  load(key: string, state: S): void {
    const slots = this.space.ensure(key);
    if (slots[this.index] === undefined) this.count += 1;
    slots[this.index] = state;
  }

  /** Keys whose state was dropped since the last call. */
  takeDeleted(): string[] {
    const keys = this.deleted;
    this.deleted = [];
    return keys;
  }

  /** Rows for the keys changed since the last call, for a state that has its key space to itself. */
  takeDirty(): { key: string; state: unknown }[] {
    const rows: { key: string; state: unknown }[] = this.takeDeleted().map((key) => ({ key, state: null }));
    for (const key of this.space.takeDirty()) {
      const state = this.get(key);
      if (state !== undefined) rows.push({ key, state });
    }
    return rows;
  }

  /** Forgets keys idle since before `before` (event time), sparing those touched after tick `sparedAfter`. */
  sweep(before: number, sparedAfter: number): void {
    for (const [key, slots] of this.space.entries()) {
      const state = slots[this.index] as S | undefined;
      if (state === undefined || state.touched >= before || state.seen > sparedAfter) continue;
      slots[this.index] = undefined;
      this.count -= 1;
      this.deleted.push(key);
      this.space.release(key, slots);
    }
  }

  size(): number {
    return this.count;
  }

  /** Drops every state (the rule was removed), without marking anything for persistence. */
  clear(): void {
    for (const [key, slots] of this.space.entries()) {
      if (slots[this.index] === undefined) continue;
      slots[this.index] = undefined;
      this.space.release(key, slots);
    }
    this.count = 0;
    this.deleted = [];
  }
}
