import type { RateSpec } from '../spec/schema.js';
import { loadId, saveId } from '../state/event-ids.js';
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

/** Columns of a key's row. */
const BUCKET = FIRST_COLUMN; // start of the bucket being counted
const EVENTS = FIRST_COLUMN + 1; // events in it
const FIRST = FIRST_COLUMN + 2; // time of its first event
const NORMAL = FIRST_COLUMN + 3; // the key's normal rate (events per second), a weighted mean of past buckets
const BUCKETS = FIRST_COLUMN + 4; // buckets that went into NORMAL
const HIGH = FIRST_COLUMN + 5; // 1 when this bucket went over a bar: it does not teach the key what normal is
const REFS = FIRST_COLUMN + 6; // how many of the bucket's latest events follow, as evidence
const REF_LIST = FIRST_COLUMN + 7; // per event: its time, then its id (two columns)
const REF_WIDTH = 3;

/** Buckets a key must have been seen for before its own normal is trusted. */
const MIN_HISTORY = 6;
/** Weight of the newest bucket in the normal rate. */
const ALPHA = 0.1;

/**
 * The persisted form of a key's state, flat: touched, seen, the bucket's start, events and first
 * event, the normal rate, buckets in it, 1 if high, then per kept event its time and id (four words).
 */
type Saved = (number | string)[];
const SAVED_HEAD = 8;
const SAVED_EVENT = 5;

/**
 * `rate`: events per second from one key, measured over buckets of event time, far above an
 * absolute bar (`absolute`), or above the key's own normal (`relative` times it, and at least
 * `floor`). Either bar trips as soon as the bucket passes it. Buckets of a flood do not teach the
 * key that floods are normal.
 */
export class RateDetector implements Detector {
  private readonly rows: RowSet;
  private spec: RateSpec;
  private seconds: number;

  constructor(
    public rule: CompiledRule,
    private readonly space: KeySpace,
  ) {
    this.rows = new RowSet(space, REF_LIST + KEPT_REFS * REF_WIDTH);
    this.spec = rule.spec as RateSpec;
    this.seconds = this.spec.bucket / 1000;
  }

  reconfigure(rule: CompiledRule): void {
    this.rule = rule;
    this.spec = rule.spec as RateSpec;
    this.seconds = this.spec.bucket / 1000;
  }

  observe(o: Observation, open: boolean): Verdict {
    const rows = this.rows;
    const bucket = Math.floor(o.t / this.spec.bucket) * this.spec.bucket;
    let row = rows.row(o.id);
    if (row < 0) {
      row = rows.create(o.id, o.t, o.tick);
      const base = rows.select(row);
      rows.numbers[base + BUCKET] = bucket;
      rows.numbers[base + FIRST] = o.t;
    } else rows.touch(row, o.t, o.tick);
    const base = rows.select(row);
    const n = rows.numbers;
    if (bucket > (n[base + BUCKET] as number)) this.nextBucket(base, bucket);
    if (n[base + EVENTS] === 0 || o.t < (n[base + FIRST] as number)) n[base + FIRST] = o.t;
    n[base + EVENTS] = (n[base + EVENTS] as number) + 1;
    this.addRef(base, o.t, o.event['event.id']);
    if (open) {
      n[base + HIGH] = 1;
      return 'absorb';
    }
    if (n[base + HIGH] === 1 || !this.tooMany(base)) return null;
    n[base + HIGH] = 1;
    const events: EventRef[] = [];
    const refs = n[base + REFS] as number;
    for (let i = 0; i < refs; i += 1) {
      const at = base + REF_LIST + i * REF_WIDTH;
      const id = this.rows.eventIds.read(rows.words, (at + 1) * 2);
      if (id !== undefined) events.push({ t: n[at] as number, id });
    }
    return { first: n[base + FIRST] as number, events, count: n[base + EVENTS] as number };
  }

  /** Keeps the event as evidence, with the bucket's latest few (in the selected row at `base`). */
  private addRef(base: number, t: number, id: string): void {
    const n = this.rows.numbers;
    const words = this.rows.words;
    const list = base + REF_LIST;
    const refs = n[list - REF_LIST + REFS] as number;
    let at = refs;
    if (refs < KEPT_REFS) n[list - REF_LIST + REFS] = refs + 1;
    else {
      // Full: the oldest goes. Columns move as words: ids must not pass through a number.
      words.copyWithin(list * 2, (list + REF_WIDTH) * 2, (list + KEPT_REFS * REF_WIDTH) * 2);
      at = KEPT_REFS - 1;
    }
    n[list + at * REF_WIDTH] = t;
    this.rows.eventIds.write(words, (list + at * REF_WIDTH + 1) * 2, id);
  }

  /**
   * Whether the bucket so far is over a bar. A count only grows within a bucket, so a bucket over
   * the bar part-way is over it whole: judging early costs nothing and catches floods at once.
   */
  private tooMany(base: number): boolean {
    const n = this.rows.numbers;
    const rate = (n[base + EVENTS] as number) / this.seconds;
    if (rate >= this.spec.absolute) return true;
    const relative = this.spec.relative;
    return (
      relative !== undefined &&
      (n[base + BUCKETS] as number) >= MIN_HISTORY &&
      rate >= this.spec.floor &&
      rate >= relative * (n[base + NORMAL] as number)
    );
  }

  /** Folds the finished bucket (unless it was a flood) and any empty ones into the normal rate (selected row at `base`). */
  private nextBucket(base: number, bucket: number): void {
    const n = this.rows.numbers;
    if (n[base + HIGH] !== 1) {
      const rate = (n[base + EVENTS] as number) / this.seconds;
      n[base + NORMAL] =
        n[base + BUCKETS] === 0 ? rate : (n[base + NORMAL] as number) * (1 - ALPHA) + rate * ALPHA;
      n[base + BUCKETS] = (n[base + BUCKETS] as number) + 1;
    }
    const empty = Math.min(1000, Math.floor((bucket - (n[base + BUCKET] as number)) / this.spec.bucket) - 1);
    if (empty > 0 && (n[base + BUCKETS] as number) > 0) {
      n[base + NORMAL] = (n[base + NORMAL] as number) * (1 - ALPHA) ** empty;
      n[base + BUCKETS] = (n[base + BUCKETS] as number) + empty;
    }
    n[base + BUCKET] = bucket;
    n[base + EVENTS] = 0;
    n[base + REFS] = 0;
    n[base + HIGH] = 0;
  }

  exportKey(id: number): Saved | undefined {
    const row = this.rows.row(id);
    if (row < 0) return undefined;
    const base = this.rows.select(row);
    const n = this.rows.numbers;
    const saved: Saved = [
      n[base + TOUCHED] as number,
      n[base + SEEN] as number,
      n[base + BUCKET] as number,
      n[base + EVENTS] as number,
      n[base + FIRST] as number,
      n[base + NORMAL] as number,
      n[base + BUCKETS] as number,
      n[base + HIGH] as number,
    ];
    for (let i = 0; i < (n[base + REFS] as number); i += 1) {
      const at = base + REF_LIST + i * REF_WIDTH;
      saved.push(n[at] as number);
      saveId(this.rows.eventIds, this.rows.words, (at + 1) * 2, saved);
    }
    return saved;
  }

  snapshot(parts: SnapshotParts): RowsDump {
    return this.rows.dump(parts);
  }

  restore(state: unknown, parts: SnapshotParts, remap: Int32Array): boolean {
    return this.rows.restore(state as RowsDump, parts, remap);
  }

  rowColumn(): number {
    return this.rows.column;
  }

  forEachKey(visit: (id: number) => void): void {
    this.rows.forEachKey(visit);
  }

  load(key: string, state: unknown): void {
    if (!Array.isArray(state) || state.length < SAVED_HEAD || (state.length - SAVED_HEAD) % SAVED_EVENT !== 0)
      return;
    const saved = state as Saved;
    const id = this.space.intern(key);
    const rows = this.rows;
    const row = rows.row(id) >= 0 ? rows.row(id) : rows.create(id, Number(saved[0]), Number(saved[1]));
    rows.stamp(row, Number(saved[0]), Number(saved[1]));
    const base = rows.select(row);
    const n = rows.numbers;
    const columns = [BUCKET, EVENTS, FIRST, NORMAL, BUCKETS, HIGH];
    columns.forEach((column, i) => {
      n[base + column] = Number(saved[2 + i]);
    });
    const events = (saved.length - SAVED_HEAD) / SAVED_EVENT;
    const skip = Math.max(0, events - KEPT_REFS);
    n[base + REFS] = events - skip;
    for (let i = skip; i < events; i += 1) {
      const at = base + REF_LIST + (i - skip) * REF_WIDTH;
      const from = SAVED_HEAD + i * SAVED_EVENT;
      n[at] = Number(saved[from]);
      loadId(this.rows.eventIds, rows.words, (at + 1) * 2, saved, from + 1);
    }
  }

  sweep(before: number, sparedAfter: number): void {
    // A key's normal is worth keeping for a while after it goes quiet: a day of event time.
    this.rows.sweep(before - 86_400_000, sparedAfter);
  }

  dispose(): void {
    this.rows.dispose();
  }

  size(): number {
    return this.rows.size;
  }
}
