import type { ThresholdSpec } from '../spec/schema.js';
import { loadId, saveId } from '../state/event-ids.js';
import type { KeySpace } from '../state/key-space.js';
import { eventIds, FIRST_COLUMN, RowSet, SEEN, TOUCHED } from '../state/row-set.js';
import {
  type CompiledRule,
  type Detector,
  type EventRef,
  KEPT_REFS,
  type Observation,
  type Verdict,
} from './detector.js';

/** Columns: how many events the row holds, then per event its time and id (three columns). */
const COUNT = FIRST_COLUMN;
const EVENTS = FIRST_COLUMN + 1;
const EVENT_WIDTH = 3;
/** Within an event: its time, then its id. */
const TIME = 0;
const ID = 1;

/** Copies `count` words (a loop: for a few words, cheaper than making subarray views to `set`). */
function copyWords(from: Uint32Array, fromAt: number, to: Uint32Array, toAt: number, count: number): void {
  for (let i = 0; i < count; i += 1) to[toAt + i] = from[fromAt + i] as number;
}

/** The persisted form of a key's state. */
interface Saved {
  touched: number;
  seen: number;
  /** Times of the matching events in the window, oldest first, and their ids (see `saveId`). */
  ts: number[];
  ids: (number | string)[];
}

/**
 * `threshold`: at least `threshold` matching events for a key within `window` of event time. The
 * events that reach the bar open the incident and leave the window: a later episode must earn its
 * own threshold, so no event is counted twice.
 *
 * A key holds at most `threshold - 1` events, time and id side by side: a row of fixed size whose
 * first events share the row's first cache line.
 */
export class ThresholdDetector implements Detector {
  private rows: RowSet;
  private spec: ThresholdSpec;
  /**
   * Events a row can hold: one fewer than the bar, which fires as it is reached, or more when the
   * bar was lowered while the rule ran (keys keep what they had counted).
   */
  private kept: number;
  /** The held events with the new one merged in, before they are written back or fire. */
  private merged: Float64Array;
  private mergedWords: Uint32Array;

  constructor(
    public rule: CompiledRule,
    private readonly space: KeySpace,
  ) {
    this.spec = rule.spec as ThresholdSpec;
    this.kept = this.spec.threshold - 1;
    this.rows = new RowSet(space, EVENTS + this.kept * EVENT_WIDTH);
    this.merged = new Float64Array((this.kept + 1) * EVENT_WIDTH);
    this.mergedWords = new Uint32Array(this.merged.buffer);
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
    this.rows = new RowSet(this.space, EVENTS + kept * EVENT_WIDTH);
    this.merged = new Float64Array((kept + 1) * EVENT_WIDTH);
    this.mergedWords = new Uint32Array(this.merged.buffer);
    for (const [id, state] of saved) this.restore(id, state);
    old.dispose();
  }

  observe(o: Observation, open: boolean): Verdict {
    if (open) return 'absorb';
    if (this.spec.threshold <= 1) return { first: o.t, last: o.t, events: [o.ref()], count: 1 };
    const rows = this.rows;
    let row = rows.row(o.id);
    if (row < 0) row = rows.create(o.id, o.t, o.tick);
    else rows.touch(row, o.id, o.t, o.tick);
    const numbers = rows.numbers;
    const base = row * rows.stride;
    const first = base + EVENTS;
    const held = numbers[base + COUNT] as number;

    // Merge the event into the held ones, in time order (events may arrive out of order). Columns
    // are copied as 32-bit words: ids are bit patterns that must not pass through a number.
    const merged = this.merged;
    const words = rows.words;
    let at = held;
    while (at > 0 && (numbers[first + (at - 1) * EVENT_WIDTH + TIME] as number) > o.t) at -= 1;
    copyWords(words, first * 2, this.mergedWords, 0, at * EVENT_WIDTH * 2);
    copyWords(
      words,
      (first + at * EVENT_WIDTH) * 2,
      this.mergedWords,
      (at + 1) * EVENT_WIDTH * 2,
      (held - at) * EVENT_WIDTH * 2,
    );
    merged[at * EVENT_WIDTH + TIME] = o.t;
    eventIds.write(this.mergedWords, (at * EVENT_WIDTH + ID) * 2, o.event['event.id']);
    const total = held + 1;
    const cutoff = (merged[(total - 1) * EVENT_WIDTH + TIME] as number) - this.spec.window;
    let drop = 0;
    while (drop < total && (merged[drop * EVENT_WIDTH + TIME] as number) < cutoff) drop += 1;
    const inWindow = total - drop;

    if (inWindow >= this.spec.threshold) {
      numbers[base + COUNT] = 0;
      const events: EventRef[] = [];
      for (let i = Math.max(drop, total - KEPT_REFS); i < total; i += 1) {
        const id = eventIds.read(this.mergedWords, (i * EVENT_WIDTH + ID) * 2);
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
    copyWords(this.mergedWords, drop * EVENT_WIDTH * 2, words, first * 2, inWindow * EVENT_WIDTH * 2);
    return null;
  }

  exportKey(id: number): Saved | undefined {
    const rows = this.rows;
    const row = rows.row(id);
    if (row < 0) return undefined;
    const base = row * rows.stride;
    const held = rows.numbers[base + COUNT] as number;
    const saved: Saved = {
      touched: rows.numbers[base + TOUCHED] as number,
      seen: rows.numbers[base + SEEN] as number,
      ts: [],
      ids: [],
    };
    for (let i = 0; i < held; i += 1) {
      const at = base + EVENTS + i * EVENT_WIDTH;
      saved.ts.push(rows.numbers[at + TIME] as number);
      saveId(eventIds, rows.words, (at + ID) * 2, saved.ids);
    }
    return saved;
  }

  takeDeleted(): string[] {
    return this.rows.takeDeleted();
  }

  takeOwnDirty() {
    return [];
  }

  load(key: string, state: unknown): void {
    const saved = state as Partial<Saved>;
    if (this.kept === 0 || !Array.isArray(saved.ts) || !Array.isArray(saved.ids)) return;
    if (saved.ids.length !== saved.ts.length * 4) return;
    this.restore(this.space.intern(key), saved as Saved);
  }

  private restore(id: number, saved: Saved): void {
    const rows = this.rows;
    const row = rows.row(id) >= 0 ? rows.row(id) : rows.create(id, saved.touched, saved.seen, false);
    const base = row * rows.stride;
    rows.numbers[base + TOUCHED] = saved.touched;
    rows.numbers[base + SEEN] = saved.seen;
    const skip = Math.max(0, saved.ts.length - this.kept);
    const held = saved.ts.length - skip;
    rows.numbers[base + COUNT] = held;
    for (let i = 0; i < held; i += 1) {
      const at = base + EVENTS + i * EVENT_WIDTH;
      rows.numbers[at + TIME] = saved.ts[skip + i] as number;
      loadId(eventIds, rows.words, (at + ID) * 2, saved.ids, (skip + i) * 4);
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
