import { EventIds } from './event-ids.js';
import type { KeySpace } from './key-space.js';

/** Rows are kept in chunks of 2^CHUNK_BITS: the set grows a chunk at a time, copying nothing. */
const CHUNK_BITS = 9;
const CHUNK_ROWS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ROWS - 1;
/** Columns every row starts with. */
export const TOUCHED = 0;
export const SEEN = 1;
const KEY = 2;
/** The first column a detector lays out for itself. */
export const FIRST_COLUMN = 3;
/** Columns an event id takes (as four 32-bit words). */
export const ID_COLUMNS = 2;

/** Event ids of every row set of the process: words copied between them keep their meaning. */
export const eventIds = new EventIds();

/**
 * One detector's state for the keys of a key space: a row per key that has any, made on the key's
 * first event and freed when the detector is done with it or the key goes idle. A row is a run of
 * Float64 columns (event time last touched, tick last touched, the key's id, then the detector's
 * own, event ids among them as pairs of columns read as 32-bit words), and optionally one object.
 * Rows are found through the key's record in its space (one cache line for all the rules of the
 * space); only keys with state cost a row.
 *
 * Reading a row: `select(row)` makes `numbers` and `words` its chunk and returns the row's first
 * column in them. Anything that may add rows (`create`) selects anew.
 */
export class RowSet<O = unknown> {
  /** The selected chunk's columns. */
  numbers: Float64Array;
  /** The same memory as `numbers`, as 32-bit words: where event ids are written. */
  words: Uint32Array;
  objects: (O | undefined)[] = [];
  /** This set's column in the space's key records. */
  readonly column: number;
  private readonly numberChunks: Float64Array[] = [];
  private readonly wordChunks: Uint32Array[] = [];
  private readonly free: number[] = [];
  private high = 0;
  private live = 0;
  /** Texts of keys whose state was dropped since the last `takeDeleted`. */
  private deleted: string[] = [];

  constructor(
    readonly space: KeySpace,
    /** Columns per row, the three every row starts with included. */
    readonly stride: number,
  ) {
    this.numbers = this.addChunk();
    this.words = this.wordChunks[0] as Uint32Array;
    this.column = space.register();
  }

  /** Makes `numbers` and `words` the chunk of `row`; returns the row's first column in them. */
  select(row: number): number {
    const chunk = row >>> CHUNK_BITS;
    this.numbers = this.numberChunks[chunk] as Float64Array;
    this.words = this.wordChunks[chunk] as Uint32Array;
    return (row & CHUNK_MASK) * this.stride;
  }

  /** The row of key `id`, or -1. */
  row(id: number): number {
    return this.space.row(id, this.column);
  }

  /**
   * A new, zeroed row for key `id` (which has none), touched at `t` and `tick`; marked changed
   * unless it is being loaded (`changed` false). `numbers` and `words` may be new arrays after.
   */
  create(id: number, t: number, tick: number, changed = true): number {
    let row = this.free.pop();
    if (row === undefined) {
      if (this.high === this.numberChunks.length * CHUNK_ROWS) this.addChunk();
      row = this.high;
      this.high += 1;
    }
    this.space.setRow(id, this.column, row);
    this.live += 1;
    const base = this.select(row);
    this.numbers.fill(0, base, base + this.stride);
    this.numbers[base + TOUCHED] = t;
    this.numbers[base + SEEN] = tick;
    this.numbers[base + KEY] = id;
    if (changed) this.space.markDirty(id);
    return row;
  }

  /** Marks `row` (of key `id`) touched at event time `t` (if later than before) and `tick`, and changed. */
  touch(row: number, id: number, t: number, tick: number): void {
    const base = this.select(row);
    if (t > (this.numbers[base + TOUCHED] as number)) this.numbers[base + TOUCHED] = t;
    this.numbers[base + SEEN] = tick;
    this.space.markDirty(id);
  }

  /** Frees the row of key `id`, noting the key for persistence. */
  delete(id: number): void {
    const row = this.row(id);
    if (row < 0) return;
    this.deleted.push(this.space.keyOf(id));
    this.freeRow(row, id);
  }

  /** Calls `visit` with the key id of every row. */
  forEachKey(visit: (id: number) => void): void {
    for (let row = 0; row < this.high; row += 1) {
      const id = this.keyIdOf(row);
      if (id >= 0) visit(id);
    }
  }

  private keyIdOf(row: number): number {
    return (this.numberChunks[row >>> CHUNK_BITS] as Float64Array)[
      (row & CHUNK_MASK) * this.stride + KEY
    ] as number;
  }

  /** Texts of keys whose state was dropped since the last call. */
  takeDeleted(): string[] {
    const keys = this.deleted;
    this.deleted = [];
    return keys;
  }

  /** Frees rows last touched before `before` (event time) and not after tick `sparedAfter`. */
  sweep(before: number, sparedAfter: number): void {
    for (let row = 0; row < this.high; row += 1) {
      const numbers = this.numberChunks[row >>> CHUNK_BITS] as Float64Array;
      const base = (row & CHUNK_MASK) * this.stride;
      const id = numbers[base + KEY] as number;
      if (id < 0) continue;
      if ((numbers[base + TOUCHED] as number) >= before || (numbers[base + SEEN] as number) > sparedAfter)
        continue;
      this.deleted.push(this.space.keyOf(id));
      this.freeRow(row, id);
    }
  }

  /** Frees every row without noting anything for persistence, and gives the column back: the rule is gone. */
  dispose(): void {
    for (let row = 0; row < this.high; row += 1) {
      const id = this.keyIdOf(row);
      if (id >= 0) this.freeRow(row, id);
    }
    this.deleted = [];
    this.space.unregister(this.column);
  }

  get size(): number {
    return this.live;
  }

  private freeRow(row: number, id: number): void {
    (this.numberChunks[row >>> CHUNK_BITS] as Float64Array)[(row & CHUNK_MASK) * this.stride + KEY] = -1;
    if (this.objects.length > row) this.objects[row] = undefined;
    this.free.push(row);
    this.live -= 1;
    this.space.clearRow(id, this.column);
  }

  private addChunk(): Float64Array {
    const numbers = new Float64Array(CHUNK_ROWS * this.stride);
    this.numberChunks.push(numbers);
    this.wordChunks.push(new Uint32Array(numbers.buffer));
    return numbers;
  }
}
