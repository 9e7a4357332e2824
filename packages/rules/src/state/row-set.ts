import type { EventIds } from './event-ids.js';
import type { KeySpace } from './key-space.js';
import type { SnapshotParts } from './snapshot-parts.js';

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

/** A row set in a snapshot: its chunks (parts) as they are, and its objects as the detector encodes them. */
export interface RowsDump {
  stride: number;
  high: number;
  chunks: number[];
  objects: [row: number, object: unknown][];
}

/**
 * One detector's state for the keys of a key space: a row per key that has any, made on the key's
 * first event and freed when the detector is done with it or the key goes idle. A row is a run of
 * Float64 columns (event time last touched, tick last touched, the key's id, then the detector's
 * own, event ids among them as pairs of columns read as 32-bit words), and optionally one object.
 * Objects are for the few keys that outgrow their row: they are kept by row in a Map (an array
 * indexed by rows in the hundreds of thousands goes to dictionary mode, and every freed row used to
 * add an entry to it), so a detector looks one up only when its row says there is one.
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
  /** The objects of the rows that have one, by row. */
  readonly objects = new Map<number, O>();
  /** This set's column in the space's key records. */
  readonly column: number;
  private readonly numberChunks: Float64Array[] = [];
  private readonly wordChunks: Uint32Array[] = [];
  private readonly free: number[] = [];
  private high = 0;
  private live = 0;
  /**
   * No live row was last touched before this (event time; NaN when unknown): a sweep with a bar no
   * later has nothing to free and skips reading every row (a rule with a window of hours would
   * otherwise read all its rows every few minutes to free none).
   */
  private oldest = Number.POSITIVE_INFINITY;

  constructor(
    readonly space: KeySpace,
    /** Columns per row, the three every row starts with included. */
    readonly stride: number,
  ) {
    this.numbers = this.addChunk();
    this.words = this.wordChunks[0] as Uint32Array;
    this.column = space.register(this as RowSet);
  }

  /** Makes `numbers` and `words` the chunk of `row`; returns the row's first column in them. */
  select(row: number): number {
    const chunk = row >>> CHUNK_BITS;
    this.numbers = this.numberChunks[chunk] as Float64Array;
    this.words = this.wordChunks[chunk] as Uint32Array;
    return (row & CHUNK_MASK) * this.stride;
  }

  /**
   * For `warm.ts`: reads, of each of `rows[0..count)` (-1 skipped), the first column and the last
   * of its first eight, the lines an event for a key with few events reads; in one tight loop, so
   * that the trips to memory overlap. Returns what it read.
   */
  warm(rows: Int32Array, count: number): number {
    const chunks = this.numberChunks;
    const stride = this.stride;
    const far = Math.min(7, stride - 1);
    let sink = 0;
    for (let i = 0; i < count; i += 1) {
      const row = rows[i] as number;
      if (row < 0) continue;
      const numbers = chunks[row >>> CHUNK_BITS];
      if (numbers === undefined) continue;
      const base = (row & CHUNK_MASK) * stride;
      sink += (numbers[base] as number) + (numbers[base + far] as number);
    }
    return sink;
  }

  /**
   * For `warm.ts`: reads the rows the next `count` new rows will most likely be (freed rows are
   * reused first; rows past the high mark are fresh memory, which a read would only map to fault
   * again on the first write). Returns what it read.
   */
  warmNew(count: number): number {
    let sink = 0;
    const free = this.free;
    for (let j = free.length - 1; j >= 0 && j >= free.length - count; j -= 1) {
      const row = free[j] as number;
      sink += (this.numberChunks[row >>> CHUNK_BITS] as Float64Array)[
        (row & CHUNK_MASK) * this.stride
      ] as number;
    }
    return sink;
  }

  /** How event ids are written in rows: the engine's, shared by its row sets. */
  get eventIds(): EventIds {
    return this.space.eventIds;
  }

  /** The row of key `id`, or -1. */
  row(id: number): number {
    return this.space.row(id, this.column);
  }

  /** A new, zeroed row for key `id` (which has none), touched at `t` and `tick`; selected. */
  create(id: number, t: number, tick: number): number {
    let row = this.free.pop();
    const reused = row !== undefined;
    if (row === undefined) {
      if (this.high === this.numberChunks.length * CHUNK_ROWS) this.addChunk();
      row = this.high;
      this.high += 1;
    }
    this.space.setRow(id, this.column, row);
    this.live += 1;
    const base = this.select(row);
    // Rows past the high mark were never written: zero already. Not clearing them spares reading
    // in the lines of the row that the detector does not write yet.
    // (A loop, not `fill`: a call into the runtime costs more than the row's few dozen columns.)
    if (reused) for (let i = base; i < base + this.stride; i += 1) this.numbers[i] = 0;
    this.numbers[base + TOUCHED] = t;
    this.numbers[base + SEEN] = tick;
    this.numbers[base + KEY] = id;
    this.lower(t);
    return row;
  }

  /** Sets `row`'s event time and tick last touched to these, earlier or not (a key's state loaded back); selects it. */
  stamp(row: number, t: number, tick: number): void {
    const base = this.select(row);
    this.numbers[base + TOUCHED] = t;
    this.numbers[base + SEEN] = tick;
    this.lower(t);
  }

  /** Keeps `oldest` a lower bound with a row touched at `t` (NaN included: then nothing is skipped). */
  private lower(t: number): void {
    if (!(t >= this.oldest)) this.oldest = t;
  }

  /** Marks `row` touched at event time `t` (if later than before) and `tick`; selects it. */
  touch(row: number, t: number, tick: number): void {
    const base = this.select(row);
    if (t > (this.numbers[base + TOUCHED] as number)) this.numbers[base + TOUCHED] = t;
    this.numbers[base + SEEN] = tick;
  }

  /** Frees the row of key `id`. */
  delete(id: number): void {
    const row = this.row(id);
    if (row >= 0) this.freeRow(row, id);
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

  /** Frees rows last touched before `before` (event time) and not after tick `sparedAfter`. */
  sweep(before: number, sparedAfter: number): void {
    if (before <= this.oldest) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (let row = 0; row < this.high; row += 1) {
      const numbers = this.numberChunks[row >>> CHUNK_BITS] as Float64Array;
      const base = (row & CHUNK_MASK) * this.stride;
      const id = numbers[base + KEY] as number;
      if (id < 0) continue;
      const touched = numbers[base + TOUCHED] as number;
      if (touched >= before || (numbers[base + SEEN] as number) > sparedAfter) {
        if (!(touched >= oldest)) oldest = touched;
        continue;
      }
      this.freeRow(row, id);
    }
    this.oldest = oldest;
  }

  /** Frees every row and gives the column back: the rule is gone. */
  dispose(): void {
    for (let row = 0; row < this.high; row += 1) {
      const id = this.keyIdOf(row);
      if (id >= 0) this.freeRow(row, id);
    }
    this.space.unregister(this.column);
  }

  /**
   * The rows for a snapshot: the chunks as they are (key ids included, which `restore` maps) and
   * each object as `encode` gives it.
   */
  dump(parts: SnapshotParts, encode: (object: O) => unknown = (object) => object): RowsDump {
    const chunks = this.numberChunks
      .slice(0, Math.ceil(this.high / CHUNK_ROWS))
      .map((chunk) => parts.add(chunk));
    const objects: RowsDump['objects'] = [];
    for (const [row, object] of this.objects) {
      if (this.keyIdOf(row) >= 0) objects.push([row, encode(object)]);
    }
    objects.sort((a, b) => a[0] - b[0]);
    return { stride: this.stride, high: this.high, chunks, objects };
  }

  /**
   * Takes the rows of a dump, into this set while it is empty: key ids are mapped with `remap` (from
   * `KeySpace.restoreKeys`; rows of keys it does not know are dropped). Returns false, changing
   * nothing, when the rows are of another size.
   */
  restore(
    dump: RowsDump,
    parts: SnapshotParts,
    remap: Int32Array,
    decode: (object: unknown) => O = (object) => object as O,
  ): boolean {
    if (dump.stride !== this.stride || this.high > 0) return false;
    const chunks = dump.chunks.map((index) => parts.float64(index));
    if (chunks.some((chunk) => chunk.length !== CHUNK_ROWS * this.stride)) return false;
    this.numberChunks.length = 0;
    this.wordChunks.length = 0;
    for (const chunk of chunks) {
      this.numberChunks.push(chunk);
      this.wordChunks.push(new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length * 2));
    }
    if (this.numberChunks.length === 0) this.addChunk();
    this.high = dump.high;
    for (let row = 0; row < this.high; row += 1) {
      const numbers = this.numberChunks[row >>> CHUNK_BITS] as Float64Array;
      const at = (row & CHUNK_MASK) * this.stride + KEY;
      const old = numbers[at] as number;
      const id = old >= 0 ? (remap[old] ?? -1) : -1;
      numbers[at] = id;
      if (id < 0) {
        this.free.push(row);
        continue;
      }
      this.space.setRow(id, this.column, row);
      this.live += 1;
      this.lower(numbers[at - KEY + TOUCHED] as number);
    }
    for (const [row, object] of dump.objects) {
      if (row < this.high && this.keyIdOf(row) >= 0) this.objects.set(row, decode(object));
    }
    this.select(0);
    return true;
  }

  get size(): number {
    return this.live;
  }

  private freeRow(row: number, id: number): void {
    (this.numberChunks[row >>> CHUNK_BITS] as Float64Array)[(row & CHUNK_MASK) * this.stride + KEY] = -1;
    if (this.objects.size > 0) this.objects.delete(row);
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
