import type { ThresholdSpec } from '../spec/schema.js';
import { clearId, loadId, saveId } from '../state/event-ids.js';
import type { KeySpace } from '../state/key-space.js';
import { FIRST_COLUMN, RowSet, type RowsDump, SEEN, TOUCHED } from '../state/row-set.js';
import type { SnapshotParts } from '../state/snapshot-parts.js';
import {
  type CompiledRule,
  type Detector,
  type EventRef,
  KEPT_REFS,
  type Observation,
  type Verdict,
} from './detector.js';

/**
 * Columns: how many events the row holds, then a slot per event (oldest first): its time, and in
 * the first `idSlots` slots an id after it (two columns). The ids are those of the latest events (at
 * most KEPT_REFS, the last being the latest event's). A key with few events, as most are, has all
 * it holds in the first columns of its row: an event reads one or two cache lines of it, where times
 * first and ids after them took two or three.
 */
const COUNT = FIRST_COLUMN;
const SLOTS = FIRST_COLUMN + 1;
/** `layout` of a snapshot's rows as above; ones without were times first, then ids (`relayout`). */
const LAYOUT = 2;

/** Column of held event `i`'s time, in a row with `idSlots` ids. */
function timeColumn(i: number, idSlots: number): number {
  return SLOTS + (i < idSlots ? i * 3 : idSlots * 2 + i);
}

/** Column of id `j` (of the latest `idSlots` events, oldest first). */
function idColumn(j: number): number {
  return SLOTS + j * 3 + 1;
}

/** In the merge area, per event: its time and its id (three columns). */
const EVENT_WIDTH = 3;
const TIME = 0;
const ID = 1;

/** Copies `count` words (a loop: for a few words, cheaper than making subarray views to `set`). */
function copyWords(from: Uint32Array, fromAt: number, to: Uint32Array, toAt: number, count: number): void {
  for (let i = 0; i < count; i += 1) to[toAt + i] = from[fromAt + i] as number;
}

/**
 * The persisted form of a key's state, flat: touched, seen, then per held event (oldest first) its
 * time and its id (four words, see `saveId`).
 */
type Saved = (number | string)[];
const SAVED_HEAD = 2;
const SAVED_EVENT = 5;

/**
 * `threshold`: at least `threshold` matching events for a key within `window` of event time. The
 * events that reach the bar open the incident and leave the window: a later episode must earn its
 * own threshold, so no event is counted twice.
 *
 * A key holds at most `threshold - 1` event times and the ids of the latest few (the evidence an
 * incident starts with): a row of fixed size.
 */
export class ThresholdDetector implements Detector {
  private rows: RowSet;
  private spec: ThresholdSpec;
  /**
   * Events a row can hold: one fewer than the bar, which fires as it is reached, or more when the
   * bar was lowered while the rule ran (keys keep what they had counted).
   */
  private kept: number;
  /** Ids a row keeps: those of its latest events. */
  private idSlots: number;
  /** The held events with the new one merged in, before they are written back or fire. */
  private merged: Float64Array;
  private mergedWords: Uint32Array;

  constructor(
    public rule: CompiledRule,
    private readonly space: KeySpace,
  ) {
    this.spec = rule.spec as ThresholdSpec;
    this.kept = this.spec.threshold - 1;
    this.idSlots = Math.min(this.kept, KEPT_REFS);
    this.rows = this.makeRows();
    this.merged = new Float64Array((this.kept + 1) * EVENT_WIDTH);
    this.mergedWords = new Uint32Array(this.merged.buffer);
  }

  private makeRows(): RowSet {
    return new RowSet(this.space, SLOTS + this.kept + this.idSlots * 2);
  }

  reconfigure(rule: CompiledRule): void {
    this.rule = rule;
    this.spec = rule.spec as ThresholdSpec;
    const kept = this.spec.threshold - 1;
    if (kept <= this.kept && kept > 0) return;
    // A higher bar needs longer rows: they move to a new set, keeping their events.
    const saved: [number, Saved][] = [];
    this.rows.forEachKey((id) => {
      const state = this.exportKey(id);
      if (state !== undefined) saved.push([id, state]);
    });
    const old = this.rows;
    this.kept = kept;
    this.idSlots = Math.min(kept, KEPT_REFS);
    this.rows = this.makeRows();
    this.merged = new Float64Array((kept + 1) * EVENT_WIDTH);
    this.mergedWords = new Uint32Array(this.merged.buffer);
    for (const [id, state] of saved) this.restoreKey(id, state);
    old.dispose();
  }

  observe(o: Observation, open: boolean): Verdict {
    if (open) return 'absorb';
    if (this.spec.threshold <= 1) return { first: o.t, last: o.t, events: [o.ref()], count: 1 };
    const rows = this.rows;
    let row = rows.row(o.id);
    if (row < 0) row = rows.create(o.id, o.t, o.tick);
    else rows.touch(row, o.t, o.tick);
    const base = rows.select(row);
    const numbers = rows.numbers;
    const words = rows.words;
    const held = numbers[base + COUNT] as number;
    const idSlots = this.idSlots;
    if (this.appends(numbers, base, held, o.t)) {
      // The common case, written in place: what the merge below would write back is the same.
      numbers[base + COUNT] = held + 1;
      numbers[base + timeColumn(held, idSlots)] = o.t;
      this.rows.eventIds.write(words, (base + idColumn(held)) * 2, o.event['event.id']);
      return null;
    }
    const merged = this.merged;
    const mergedWords = this.mergedWords;

    // Merge the event into the held ones, in time order (events may arrive out of order). Ids are
    // copied as 32-bit words: they are bit patterns that must not pass through a number.
    let at = held;
    while (at > 0 && (numbers[base + timeColumn(at - 1, idSlots)] as number) > o.t) at -= 1;
    const withId = held - Math.min(held, idSlots);
    for (let i = 0; i < held; i += 1) {
      const to = (i < at ? i : i + 1) * EVENT_WIDTH;
      merged[to + TIME] = numbers[base + timeColumn(i, idSlots)] as number;
      if (i < withId) clearId(mergedWords, (to + ID) * 2);
      else copyWords(words, (base + idColumn(i - withId)) * 2, mergedWords, (to + ID) * 2, 4);
    }
    merged[at * EVENT_WIDTH + TIME] = o.t;
    this.rows.eventIds.write(mergedWords, (at * EVENT_WIDTH + ID) * 2, o.event['event.id']);
    const total = held + 1;
    const cutoff = (merged[(total - 1) * EVENT_WIDTH + TIME] as number) - this.spec.window;
    let drop = 0;
    while (drop < total && (merged[drop * EVENT_WIDTH + TIME] as number) < cutoff) drop += 1;
    const inWindow = total - drop;

    if (inWindow >= this.spec.threshold) {
      numbers[base + COUNT] = 0;
      const events: EventRef[] = [];
      for (let i = Math.max(drop, total - KEPT_REFS); i < total; i += 1) {
        const id = this.rows.eventIds.read(mergedWords, (i * EVENT_WIDTH + ID) * 2);
        if (id !== undefined) events.push({ t: merged[i * EVENT_WIDTH + TIME] as number, id });
      }
      return {
        first: merged[drop * EVENT_WIDTH + TIME] as number,
        last: merged[(total - 1) * EVENT_WIDTH + TIME] as number,
        events,
        count: inWindow,
      };
    }
    numbers[base + COUNT] = inWindow;
    for (let i = 0; i < inWindow; i += 1)
      numbers[base + timeColumn(i, idSlots)] = merged[(drop + i) * EVENT_WIDTH + TIME] as number;
    const keep = Math.min(inWindow, idSlots);
    for (let j = 0; j < keep; j += 1) {
      copyWords(mergedWords, ((total - keep + j) * EVENT_WIDTH + ID) * 2, words, (base + idColumn(j)) * 2, 4);
    }
    return null;
  }

  /**
   * Whether an event at `t` only adds to the `held` events of the row at `base` (time of each
   * holding its id next to it): it is no earlier than the latest, all of them stay in its window,
   * it does not reach the bar, and its id has a slot of its own. Most events of a key with few are
   * such, and are then written where they go instead of merged through `merged` and written back.
   */
  private appends(numbers: Float64Array, base: number, held: number, t: number): boolean {
    if (held + 1 >= this.spec.threshold || held >= this.idSlots) return false;
    if (held === 0) return true;
    return (
      t >= (numbers[base + timeColumn(held - 1, this.idSlots)] as number) &&
      (numbers[base + timeColumn(0, this.idSlots)] as number) >= t - this.spec.window
    );
  }

  exportKey(id: number): Saved | undefined {
    const rows = this.rows;
    const row = rows.row(id);
    if (row < 0) return undefined;
    const base = rows.select(row);
    const numbers = rows.numbers;
    const held = numbers[base + COUNT] as number;
    const withId = held - Math.min(held, this.idSlots);
    const saved: Saved = [numbers[base + TOUCHED] as number, numbers[base + SEEN] as number];
    for (let i = 0; i < held; i += 1) {
      saved.push(numbers[base + timeColumn(i, this.idSlots)] as number);
      if (i < withId) saved.push(0, 0, 0, 0);
      else saveId(this.rows.eventIds, rows.words, (base + idColumn(i - withId)) * 2, saved);
    }
    return saved;
  }

  snapshot(parts: SnapshotParts): { kept: number; layout: number; rows: RowsDump } {
    return { kept: this.kept, layout: LAYOUT, rows: this.rows.dump(parts) };
  }

  restore(state: unknown, parts: SnapshotParts, remap: Int32Array): boolean {
    const { kept, layout, rows } = state as { kept: number; layout?: number; rows: RowsDump };
    // Rows that hold more than the bar needs are fine (the bar was lowered); fewer are not.
    if (!Number.isInteger(kept) || kept < this.spec.threshold - 1 || this.rows.size > 0) return false;
    if (kept !== this.kept) {
      this.rows.dispose();
      this.kept = kept;
      this.idSlots = Math.min(kept, KEPT_REFS);
      this.rows = this.makeRows();
      this.merged = new Float64Array((kept + 1) * EVENT_WIDTH);
      this.mergedWords = new Uint32Array(this.merged.buffer);
    }
    if (!this.rows.restore(rows, parts, remap)) return false;
    if (layout !== LAYOUT) this.relayout();
    return true;
  }

  /** Moves restored rows of the earlier layout (all times, then the ids) into the slots of this one. */
  private relayout(): void {
    const stride = this.rows.stride;
    const old = new Uint32Array(stride * 2);
    this.rows.forEachKey((id) => {
      const rows = this.rows;
      const base = rows.select(rows.row(id));
      const words = rows.words;
      copyWords(words, base * 2, old, 0, stride * 2);
      for (let i = 0; i < this.kept; i += 1)
        copyWords(old, (SLOTS + i) * 2, words, (base + timeColumn(i, this.idSlots)) * 2, 2);
      for (let j = 0; j < this.idSlots; j += 1)
        copyWords(old, (SLOTS + this.kept + j * 2) * 2, words, (base + idColumn(j)) * 2, 4);
    });
  }

  rowColumn(): number {
    return this.rows.column;
  }

  forEachKey(visit: (id: number) => void): void {
    this.rows.forEachKey(visit);
  }

  load(key: string, state: unknown): void {
    if (!Array.isArray(state) || (state.length - SAVED_HEAD) % SAVED_EVENT !== 0) return;
    this.restoreKey(this.space.intern(key), state as Saved);
  }

  private restoreKey(id: number, saved: Saved): void {
    const rows = this.rows;
    const touched = Number(saved[0]);
    const seen = Number(saved[1]);
    const row = rows.row(id) >= 0 ? rows.row(id) : rows.create(id, touched, seen);
    rows.stamp(row, touched, seen);
    const base = rows.select(row);
    const numbers = rows.numbers;
    const events = (saved.length - SAVED_HEAD) / SAVED_EVENT;
    const skip = Math.max(0, events - this.kept);
    const held = events - skip;
    const withId = held - Math.min(held, this.idSlots);
    numbers[base + COUNT] = held;
    for (let i = 0; i < held; i += 1) {
      const from = SAVED_HEAD + (skip + i) * SAVED_EVENT;
      numbers[base + timeColumn(i, this.idSlots)] = Number(saved[from]);
      if (i >= withId)
        loadId(this.rows.eventIds, rows.words, (base + idColumn(i - withId)) * 2, saved, from + 1);
    }
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
