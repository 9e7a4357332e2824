import type { DistinctSpec } from '../spec/schema.js';
import { loadId, saveId } from '../state/event-ids.js';
import type { KeySpace } from '../state/key-space.js';
import { FIRST_COLUMN, RowSet, type RowsDump, SEEN, TOUCHED } from '../state/row-set.js';
import type { SnapshotParts } from '../state/snapshot-parts.js';
import { valueKey } from '../state/value-key.js';
import {
  type CompiledRule,
  type Detector,
  type EventRef,
  KEPT_REFS,
  type Observation,
  type Verdict,
} from './detector.js';

/** Values a row holds in place; a key with more (an attacker, usually) moves them to an object. */
const INLINE_VALUES = 4;
/** Columns: how many values the key has, then the values in place. */
const COUNT = FIRST_COLUMN;
const VALUES = FIRST_COLUMN + 1;
/**
 * Per value: its number (valueKey), events with it since it entered the window, the id of the
 * latest of them (two columns), how many times follow, and its latest times.
 */
const HASH = 0;
const EVENTS = 1;
const ID = 2;
const TIME_COUNT = 4;
const TIMES = 5;

/** Values of a key with more than fit in its row, laid out as in the row, with room for all. */
interface Spilled {
  numbers: Float64Array;
  words: Uint32Array;
}

/**
 * The persisted form of a key's state, flat: touched, seen, then per value its number, events, how
 * many times follow, the times (oldest first) and the latest event's id (four words, see `saveId`).
 */
type Saved = (number | string)[];

/**
 * The arrays a row's `count` values were moved to, if they were: only a key with more values than
 * fit in its row has them, so most rows are never looked up.
 */
function spilledOf(rows: RowSet<Spilled>, row: number, count: number): Spilled | undefined {
  return count > INLINE_VALUES ? rows.objects.get(row) : undefined;
}

/** Copies `count` words. */
function copyWords(from: Uint32Array, fromAt: number, to: Uint32Array, toAt: number, count: number): void {
  for (let i = 0; i < count; i += 1) to[toAt + i] = from[fromAt + i] as number;
}

/**
 * `distinct`: at least `threshold` distinct values of `field` for a key within `window`. With
 * `per_value_below`, a value seen that often in the window does not count: one address hammering
 * an account is a brute force of its own, not part of a distributed one.
 *
 * A value is kept as a number (`valueKey`) with its latest times (enough for `per_value_below`) and
 * its latest event; a key keeps at most four times `threshold` values, dropping the stalest.
 */
export class DistinctDetector implements Detector {
  private rows: RowSet<Spilled>;
  private spec: DistinctSpec;
  private maxValues: number;
  /** Times kept per value, and so numbers per value. */
  private maxTimes: number;
  private width: number;
  /** A key's values while an event is judged: read from its row, changed, written back. */
  private work: Float64Array;
  private workWords: Uint32Array;

  constructor(
    public rule: CompiledRule,
    private readonly space: KeySpace,
  ) {
    this.spec = rule.spec as DistinctSpec;
    this.maxValues = this.spec.threshold * 4;
    this.maxTimes = this.spec.per_value_below ?? 1;
    this.width = TIMES + this.maxTimes;
    this.rows = this.makeRows();
    this.work = new Float64Array((this.maxValues + 1) * this.width);
    this.workWords = new Uint32Array(this.work.buffer);
  }

  private makeRows(): RowSet<Spilled> {
    return new RowSet<Spilled>(this.space, VALUES + INLINE_VALUES * this.width);
  }

  reconfigure(rule: CompiledRule): void {
    const saved: [number, Saved][] = [];
    this.rows.forEachKey((id) => {
      const state = this.exportKey(id);
      if (state !== undefined) saved.push([id, state]);
    });
    const old = this.rows;
    this.rule = rule;
    this.spec = rule.spec as DistinctSpec;
    this.maxValues = this.spec.threshold * 4;
    this.maxTimes = this.spec.per_value_below ?? 1;
    this.width = TIMES + this.maxTimes;
    this.rows = this.makeRows();
    this.work = new Float64Array((this.maxValues + 1) * this.width);
    this.workWords = new Uint32Array(this.work.buffer);
    for (const [id, state] of saved) this.load(this.space.keyOf(id), state);
    old.dispose();
  }

  observe(o: Observation, open: boolean): Verdict {
    if (open) return 'absorb';
    const raw = (o.event as Record<string, unknown>)[this.spec.field];
    if (raw === undefined || raw === null || raw === '') return null;
    const hash = valueKey(String(raw));
    const rows = this.rows;
    let row = rows.row(o.id);
    if (row < 0) row = rows.create(o.id, o.t, o.tick);
    else rows.touch(row, o.t, o.tick);
    const base = rows.select(row);
    const row64 = rows.numbers;
    const w = this.width;

    // The values are worked on where they are: in the row, or in the key's own arrays once spilled.
    let count = row64[base + COUNT] as number;
    let spilled = spilledOf(rows, row, count);
    let values = spilled === undefined ? row64 : spilled.numbers;
    let words = spilled === undefined ? rows.words : spilled.words;
    let first = spilled === undefined ? base + VALUES : 0;

    // Times before the window go; values left with none go.
    const since = o.t - this.spec.window;
    let kept = 0;
    for (let v = 0; v < count; v += 1) {
      const at = first + v * w;
      const times = values[at + TIME_COUNT] as number;
      let old = 0;
      while (old < times && (values[at + TIMES + old] as number) < since) old += 1;
      if (old === times) continue;
      const to = first + kept * w;
      if (to !== at) copyWords(words, at * 2, words, to * 2, TIMES * 2);
      values[to + TIME_COUNT] = times - old;
      for (let i = old; i < times; i += 1) values[to + TIMES + i - old] = values[at + TIMES + i] as number;
      kept += 1;
    }
    count = kept;

    let found = -1;
    for (let v = 0; v < count; v += 1) {
      if (values[first + v * w + HASH] === hash) {
        found = v;
        break;
      }
    }
    if (found < 0) {
      if (spilled === undefined && count === INLINE_VALUES) {
        // A fifth value: the key's values move out of the row, to arrays with room for all.
        const numbers = new Float64Array((this.maxValues + 1) * w);
        spilled = { numbers, words: new Uint32Array(numbers.buffer) };
        copyWords(words, first * 2, spilled.words, 0, count * w * 2);
        rows.objects.set(row, spilled);
        values = spilled.numbers;
        words = spilled.words;
        first = 0;
      }
      found = count;
      values[first + found * w + HASH] = hash;
      values[first + found * w + EVENTS] = 0;
      values[first + found * w + TIME_COUNT] = 0;
      count += 1;
      if (count > this.maxValues) {
        found = this.dropStalest(values, words, first, count, found);
        count -= 1;
      }
    }
    const at = first + found * w;
    const times = values[at + TIME_COUNT] as number;
    if (times < this.maxTimes) {
      values[at + TIMES + times] = o.t;
      values[at + TIME_COUNT] = times + 1;
    } else {
      for (let i = 1; i < times; i += 1) values[at + TIMES + i - 1] = values[at + TIMES + i] as number;
      values[at + TIMES + times - 1] = o.t;
    }
    values[at + EVENTS] = (values[at + EVENTS] as number) + 1;
    this.rows.eventIds.write(words, (at + ID) * 2, o.event['event.id']);

    const limit = this.spec.per_value_below;
    let distinct = 0;
    let events = 0;
    let earliest = o.t;
    for (let v = 0; v < count; v += 1) {
      const vat = first + v * w;
      if (limit !== undefined && (values[vat + TIME_COUNT] as number) >= limit) continue;
      distinct += 1;
      events += values[vat + EVENTS] as number;
      if ((values[vat + TIMES] as number) < earliest) earliest = values[vat + TIMES] as number;
    }
    let verdict: Verdict = null;
    if (distinct >= this.spec.threshold) {
      const refs: EventRef[] = [];
      for (let v = 0; v < count; v += 1) {
        const vat = first + v * w;
        const valueTimes = values[vat + TIME_COUNT] as number;
        if (limit !== undefined && valueTimes >= limit) continue;
        const id = this.rows.eventIds.read(words, (vat + ID) * 2);
        if (id !== undefined) refs.push({ t: values[vat + TIMES + valueTimes - 1] as number, id });
      }
      refs.sort((a, b) => a.t - b.t);
      verdict = { first: earliest, events: refs.slice(-KEPT_REFS), count: events };
      count = 0;
    }
    if (spilled !== undefined && count <= INLINE_VALUES) {
      // Few enough again: back into the row.
      copyWords(words, 0, rows.words, (base + VALUES) * 2, count * w * 2);
      rows.objects.delete(row);
    }
    row64[base + COUNT] = count;
    return verdict;
  }

  /**
   * Drops the value seen least recently, other than the one just `added` (of `count`, from column
   * `first`); returns where `added` went.
   */
  private dropStalest(
    values: Float64Array,
    words: Uint32Array,
    first: number,
    count: number,
    added: number,
  ): number {
    const w = this.width;
    let stalest = 0;
    let stalestTime = Number.POSITIVE_INFINITY;
    for (let v = 0; v < count; v += 1) {
      if (v === added) continue;
      const times = values[first + v * w + TIME_COUNT] as number;
      const last = times === 0 ? 0 : (values[first + v * w + TIMES + times - 1] as number);
      if (last < stalestTime) {
        stalestTime = last;
        stalest = v;
      }
    }
    words.copyWithin((first + stalest * w) * 2, (first + (stalest + 1) * w) * 2, (first + count * w) * 2);
    return added > stalest ? added - 1 : added;
  }

  /** Copies a row's values into the work area; returns how many. */
  private read(row: number): number {
    const rows = this.rows;
    const base = rows.select(row);
    const count = rows.numbers[base + COUNT] as number;
    const spilled = spilledOf(rows, row, count);
    const size = count * this.width * 2;
    if (spilled !== undefined) copyWords(spilled.words, 0, this.workWords, 0, size);
    else copyWords(rows.words, (base + VALUES) * 2, this.workWords, 0, size);
    return count;
  }

  /** Writes `count` values from the work area back to the row, or to an object when they do not fit. */
  private write(row: number, count: number): void {
    const rows = this.rows;
    const base = rows.select(row);
    const size = count * this.width * 2;
    rows.numbers[base + COUNT] = count;
    if (count > INLINE_VALUES) {
      let spilled = rows.objects.get(row);
      if (spilled === undefined) {
        const numbers = new Float64Array((this.maxValues + 1) * this.width);
        spilled = { numbers, words: new Uint32Array(numbers.buffer) };
        rows.objects.set(row, spilled);
      }
      copyWords(this.workWords, 0, spilled.words, 0, size);
      return;
    }
    rows.objects.delete(row);
    copyWords(this.workWords, 0, rows.words, (base + VALUES) * 2, size);
  }

  exportKey(id: number): Saved | undefined {
    const row = this.rows.row(id);
    if (row < 0) return undefined;
    const base = this.rows.select(row);
    const saved: Saved = [
      this.rows.numbers[base + TOUCHED] as number,
      this.rows.numbers[base + SEEN] as number,
    ];
    const count = this.read(row);
    const work = this.work;
    for (let v = 0; v < count; v += 1) {
      const at = v * this.width;
      const times = work[at + TIME_COUNT] as number;
      saved.push(work[at + HASH] as number, work[at + EVENTS] as number, times);
      for (let i = 0; i < times; i += 1) saved.push(work[at + TIMES + i] as number);
      saveId(this.rows.eventIds, this.workWords, (at + ID) * 2, saved);
    }
    return saved;
  }

  snapshot(parts: SnapshotParts): { width: number; maxValues: number; rows: RowsDump } {
    // A spilled key's values go as a part of their own.
    const rows = this.rows.dump(parts, (spilled) => parts.add(spilled.numbers));
    return { width: this.width, maxValues: this.maxValues, rows };
  }

  restore(state: unknown, parts: SnapshotParts, remap: Int32Array): boolean {
    const { width, maxValues, rows } = state as { width: number; maxValues: number; rows: RowsDump };
    if (width !== this.width || maxValues !== this.maxValues) return false;
    return this.rows.restore(rows, parts, remap, (index) => {
      const numbers = parts.float64(index as number);
      return { numbers, words: new Uint32Array(numbers.buffer, numbers.byteOffset, numbers.length * 2) };
    });
  }

  rowColumn(): number {
    return this.rows.column;
  }

  forEachKey(visit: (id: number) => void): void {
    this.rows.forEachKey(visit);
  }

  load(key: string, state: unknown): void {
    if (!Array.isArray(state) || state.length < 2) return;
    // Values are read into the work area first: a malformed row changes nothing.
    const saved = state as Saved;
    const w = this.width;
    const values: number[] = [];
    let from = 2;
    while (from < saved.length) {
      const times = Number(saved[from + 2]);
      if (!Number.isInteger(times) || times < 1 || from + 3 + times + 4 > saved.length) return;
      values.push(from);
      from += 3 + times + 4;
    }
    const kept = values.slice(-this.maxValues);
    kept.forEach((at, v) => {
      const times = Number(saved[at + 2]);
      const keptTimes = Math.min(times, this.maxTimes);
      this.work[v * w + HASH] = Number(saved[at]);
      this.work[v * w + EVENTS] = Number(saved[at + 1]);
      this.work[v * w + TIME_COUNT] = keptTimes;
      for (let i = 0; i < keptTimes; i += 1)
        this.work[v * w + TIMES + i] = Number(saved[at + 3 + times - keptTimes + i]);
      loadId(this.rows.eventIds, this.workWords, (v * w + ID) * 2, saved, at + 3 + times);
    });
    const id = this.space.intern(key);
    const rows = this.rows;
    const row = rows.row(id) >= 0 ? rows.row(id) : rows.create(id, Number(saved[0]), Number(saved[1]));
    rows.stamp(row, Number(saved[0]), Number(saved[1]));
    this.write(row, kept.length);
  }

  sweep(before: number, sparedAfter: number): void {
    this.rows.sweep(before - this.spec.window, sparedAfter);
  }

  dispose(): void {
    this.rows.dispose();
  }

  size(): number {
    return this.rows.size;
  }
}
