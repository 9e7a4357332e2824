import type { DistinctSpec } from '../spec/schema.js';
import { loadId, saveId } from '../state/event-ids.js';
import type { KeySpace } from '../state/key-space.js';
import { eventIds, FIRST_COLUMN, RowSet, SEEN, TOUCHED } from '../state/row-set.js';
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

/** Values of a key with more than fit in its row, laid out as in the row. */
interface Spilled {
  words: Uint32Array;
}

/** The persisted form of a key's state: per value, its number, events, times (oldest first), latest event id. */
interface Saved {
  touched: number;
  seen: number;
  values: [hash: number, events: number, times: number[], id: (number | string)[]][];
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
    for (const [id, state] of saved) this.restore(id, state);
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
    else rows.touch(row, o.id, o.t, o.tick);

    const w = this.width;
    const work = this.work;
    const words = this.workWords;
    let count = this.read(row);

    // Times before the window go; values left with none go.
    const since = o.t - this.spec.window;
    let kept = 0;
    for (let v = 0; v < count; v += 1) {
      const at = v * w;
      const times = work[at + TIME_COUNT] as number;
      let old = 0;
      while (old < times && (work[at + TIMES + old] as number) < since) old += 1;
      if (old === times) continue;
      const to = kept * w;
      if (to !== at) copyWords(words, at * 2, words, to * 2, TIMES * 2);
      work[to + TIME_COUNT] = times - old;
      for (let i = old; i < times; i += 1) work[to + TIMES + i - old] = work[at + TIMES + i] as number;
      kept += 1;
    }
    count = kept;

    let found = -1;
    for (let v = 0; v < count; v += 1) {
      if (work[v * w + HASH] === hash) {
        found = v;
        break;
      }
    }
    if (found < 0) {
      found = count;
      work[found * w + HASH] = hash;
      work[found * w + EVENTS] = 0;
      work[found * w + TIME_COUNT] = 0;
      count += 1;
      if (count > this.maxValues) {
        found = this.dropStalest(count, found);
        count -= 1;
      }
    }
    const at = found * w;
    const times = work[at + TIME_COUNT] as number;
    if (times < this.maxTimes) {
      work[at + TIMES + times] = o.t;
      work[at + TIME_COUNT] = times + 1;
    } else {
      for (let i = 1; i < times; i += 1) work[at + TIMES + i - 1] = work[at + TIMES + i] as number;
      work[at + TIMES + times - 1] = o.t;
    }
    work[at + EVENTS] = (work[at + EVENTS] as number) + 1;
    eventIds.write(words, (at + ID) * 2, o.event['event.id']);

    const limit = this.spec.per_value_below;
    let distinct = 0;
    let events = 0;
    let first = o.t;
    for (let v = 0; v < count; v += 1) {
      const vat = v * w;
      if (limit !== undefined && (work[vat + TIME_COUNT] as number) >= limit) continue;
      distinct += 1;
      events += work[vat + EVENTS] as number;
      if ((work[vat + TIMES] as number) < first) first = work[vat + TIMES] as number;
    }
    if (distinct < this.spec.threshold) {
      this.write(row, count);
      return null;
    }
    const refs: EventRef[] = [];
    for (let v = 0; v < count; v += 1) {
      const vat = v * w;
      const valueTimes = work[vat + TIME_COUNT] as number;
      if (limit !== undefined && valueTimes >= limit) continue;
      const id = eventIds.read(words, (vat + ID) * 2);
      if (id !== undefined) refs.push({ t: work[vat + TIMES + valueTimes - 1] as number, id });
    }
    refs.sort((a, b) => a.t - b.t);
    this.write(row, 0);
    return { first, events: refs.slice(-KEPT_REFS), count: events };
  }

  /** Drops the value seen least recently, other than the one just `added` (of `count`); where `added` went. */
  private dropStalest(count: number, added: number): number {
    const w = this.width;
    const work = this.work;
    let stalest = 0;
    let stalestTime = Number.POSITIVE_INFINITY;
    for (let v = 0; v < count; v += 1) {
      if (v === added) continue;
      const times = work[v * w + TIME_COUNT] as number;
      const last = times === 0 ? 0 : (work[v * w + TIMES + times - 1] as number);
      if (last < stalestTime) {
        stalestTime = last;
        stalest = v;
      }
    }
    this.workWords.copyWithin(stalest * w * 2, (stalest + 1) * w * 2, count * w * 2);
    return added > stalest ? added - 1 : added;
  }

  /** Copies a row's values into the work area; returns how many. */
  private read(row: number): number {
    const rows = this.rows;
    const base = row * rows.stride;
    const count = rows.numbers[base + COUNT] as number;
    const spilled = rows.objects[row];
    const size = count * this.width * 2;
    if (spilled !== undefined) copyWords(spilled.words, 0, this.workWords, 0, size);
    else copyWords(rows.words, (base + VALUES) * 2, this.workWords, 0, size);
    return count;
  }

  /** Writes `count` values from the work area back to the row, or to an object when they do not fit. */
  private write(row: number, count: number): void {
    const rows = this.rows;
    const base = row * rows.stride;
    const size = count * this.width * 2;
    rows.numbers[base + COUNT] = count;
    if (count > INLINE_VALUES) {
      let spilled = rows.objects[row];
      if (spilled === undefined) {
        spilled = { words: new Uint32Array(this.maxValues * this.width * 2) };
        rows.objects[row] = spilled;
      }
      copyWords(this.workWords, 0, spilled.words, 0, size);
      return;
    }
    rows.objects[row] = undefined;
    copyWords(this.workWords, 0, rows.words, (base + VALUES) * 2, size);
  }

  exportKey(id: number): Saved | undefined {
    const row = this.rows.row(id);
    if (row < 0) return undefined;
    const base = row * this.rows.stride;
    const count = this.read(row);
    const w = this.width;
    const values: Saved['values'] = [];
    for (let v = 0; v < count; v += 1) {
      const at = v * w;
      const times: number[] = [];
      for (let i = 0; i < (this.work[at + TIME_COUNT] as number); i += 1)
        times.push(this.work[at + TIMES + i] as number);
      const id: (number | string)[] = [];
      saveId(eventIds, this.workWords, (at + ID) * 2, id);
      values.push([this.work[at + HASH] as number, this.work[at + EVENTS] as number, times, id]);
    }
    return {
      touched: this.rows.numbers[base + TOUCHED] as number,
      seen: this.rows.numbers[base + SEEN] as number,
      values,
    };
  }

  takeDeleted(): string[] {
    return this.rows.takeDeleted();
  }

  takeOwnDirty() {
    return [];
  }

  load(key: string, state: unknown): void {
    const saved = state as Partial<Saved>;
    const valid = (value: unknown) =>
      Array.isArray(value) && Array.isArray(value[2]) && Array.isArray(value[3]);
    if (!Array.isArray(saved.values) || !saved.values.every(valid)) return;
    this.restore(this.space.intern(key), saved as Saved);
  }

  private restore(id: number, saved: Saved): void {
    const rows = this.rows;
    const row = rows.row(id) >= 0 ? rows.row(id) : rows.create(id, saved.touched, saved.seen, false);
    const base = row * rows.stride;
    rows.numbers[base + TOUCHED] = saved.touched;
    rows.numbers[base + SEEN] = saved.seen;
    const w = this.width;
    const values = saved.values.slice(-this.maxValues);
    values.forEach(([hash, events, times, eventId], v) => {
      const kept = times.slice(-this.maxTimes);
      this.work[v * w + HASH] = hash;
      this.work[v * w + EVENTS] = events;
      this.work[v * w + TIME_COUNT] = kept.length;
      kept.forEach((time, i) => {
        this.work[v * w + TIMES + i] = time;
      });
      loadId(eventIds, this.workWords, (v * w + ID) * 2, eventId, 0);
    });
    this.write(row, values.length);
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
