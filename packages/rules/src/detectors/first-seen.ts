import type { FirstSeenSpec } from '../spec/schema.js';
import type { SpaceDump } from '../state/key-space.js';
import { KeySpace } from '../state/key-space.js';
import { FIRST_COLUMN, RowSet, type RowsDump, SEEN, TOUCHED } from '../state/row-set.js';
import type { SnapshotParts } from '../state/snapshot-parts.js';
import { valueKey } from '../state/value-key.js';
import type { CompiledRule, Detector, Observation, Verdict } from './detector.js';

/** A key's row: how many known values, then up to INLINE_KNOWN of them in place, each (value, last seen). */
const COUNT = FIRST_COLUMN;
const KNOWN = FIRST_COLUMN + 1;
const INLINE_KNOWN = 4;
/** A shared value's row: how many keys it was seen for, then their numbers. */
const KEYS = FIRST_COLUMN + 1;

/**
 * The array a key's `count` known values were moved to, if they were: only a key with more than
 * fit in its row has one, so most rows are never looked up.
 */
function ownOf(rows: RowSet<Float64Array>, row: number, count: number): Float64Array | undefined {
  return count > INLINE_KNOWN ? rows.objects.get(row) : undefined;
}

/**
 * `first_seen`: a value of `field` never seen before for a key (a new address for a user). A key
 * with no history gets a baseline, not an alert; nothing alerts while the rule is still learning
 * (`learning` of event time from the first event it saw); and with `known_if_shared_by`, a value
 * already seen for that many other keys is known (an office address everyone logs in from).
 * Baselines are state like any other: persisted, so a restart does not set off a storm of alerts.
 *
 * Values and keys are kept as numbers (`valueKey`): a user's known addresses in their row (four in
 * place, more in an array of their own), and for each value the keys it was seen for in a row of
 * a key space of values.
 */
export class FirstSeenDetector implements Detector {
  private readonly rows: RowSet<Float64Array>;
  /** Values, and the keys each was seen for (up to `known_if_shared_by` + 1). */
  private readonly values: KeySpace;
  private shared: RowSet;
  private spec: FirstSeenSpec;
  private started: number | undefined;

  constructor(
    public rule: CompiledRule,
    private readonly space: KeySpace,
  ) {
    this.spec = rule.spec as FirstSeenSpec;
    this.values = new KeySpace(space.eventIds);
    this.rows = new RowSet<Float64Array>(space, KNOWN + INLINE_KNOWN * 2);
    this.shared = new RowSet(this.values, KEYS + this.sharedWidth());
  }

  /** Keys a shared value's row holds: enough to tell that `known_if_shared_by` others saw it. */
  private sharedWidth(): number {
    return (this.spec.known_if_shared_by ?? 0) + 1;
  }

  reconfigure(rule: CompiledRule): void {
    const width = this.sharedWidth();
    this.rule = rule;
    this.spec = rule.spec as FirstSeenSpec;
    if (this.sharedWidth() !== width) {
      // Who shares what is relearned: a row of another size would mean another bar.
      this.shared.dispose();
      this.shared = new RowSet(this.values, KEYS + this.sharedWidth());
    }
  }

  observe(o: Observation, open: boolean): Verdict {
    const raw = (o.event as Record<string, unknown>)[this.spec.field];
    if (raw === undefined || raw === null || raw === '') return null;
    const text = String(raw);
    const value = valueKey(text);
    if (this.started === undefined || o.t < this.started) this.started = o.t;
    const sharedBy = this.share(text, valueKey(o.key), o);

    const rows = this.rows;
    let row = rows.row(o.id);
    if (row < 0) row = rows.create(o.id, o.t, o.tick);
    else rows.touch(row, o.t, o.tick);
    const base = rows.select(row);
    const numbers = rows.numbers;
    let count = numbers[base + COUNT] as number;
    const list = ownOf(rows, row, count);
    const known = list ?? numbers;
    const first = list === undefined ? base + KNOWN : 0;

    // Values not seen for `remember` are forgotten.
    const forgetBefore = o.t - this.spec.remember;
    let kept = 0;
    for (let i = 0; i < count; i += 1) {
      const at = first + i * 2;
      if ((known[at + 1] as number) < forgetBefore) continue;
      known[first + kept * 2] = known[at] as number;
      known[first + kept * 2 + 1] = known[at + 1] as number;
      kept += 1;
    }
    const hadHistory = kept > 0;
    count = kept;
    for (let i = 0; i < count; i += 1) {
      const at = first + i * 2;
      if (known[at] !== value) continue;
      if (o.t > (known[at + 1] as number)) known[at + 1] = o.t;
      this.store(row, base, known, first, count);
      return null;
    }
    this.add(row, base, known, first, count, value, o.t);
    if (!hadHistory) return null;
    if (o.t < this.started + this.spec.learning) return null;
    const threshold = this.spec.known_if_shared_by;
    if (threshold !== undefined && sharedBy >= threshold) return null;
    return open ? 'absorb' : { first: o.t, events: [o.ref()], count: 1 };
  }

  /** Appends a value to the key's known ones (dropping the stalest past `max_values`), and stores them. */
  private add(
    row: number,
    base: number,
    known: Float64Array,
    first: number,
    count: number,
    value: number,
    t: number,
  ): void {
    const rows = this.rows;
    let list = known;
    let at = first;
    if (
      (list === rows.numbers && count === INLINE_KNOWN) ||
      (list !== rows.numbers && list.length < (count + 1) * 2)
    ) {
      // A fifth value (or more than `max_values` was when the array was made): the key's values
      // move to an array of their own, with room for all.
      const own = new Float64Array((Math.max(this.spec.max_values, count) + 1) * 2);
      own.set(list.subarray(first, first + count * 2));
      rows.objects.set(row, own);
      list = own;
      at = 0;
    }
    list[at + count * 2] = value;
    list[at + count * 2 + 1] = t;
    let total = count + 1;
    if (total > this.spec.max_values) {
      let stalest = 0;
      for (let i = 1; i < total; i += 1) {
        if ((list[at + i * 2 + 1] as number) < (list[at + stalest * 2 + 1] as number)) stalest = i;
      }
      list.copyWithin(at + stalest * 2, at + (stalest + 1) * 2, at + total * 2);
      total -= 1;
    }
    this.store(row, base, list, at, total);
  }

  /** Records the count of known values; moves them back into the row when they fit again. */
  private store(row: number, base: number, list: Float64Array, first: number, count: number): void {
    const rows = this.rows;
    rows.select(row);
    const numbers = rows.numbers;
    if (list !== numbers && count <= INLINE_KNOWN) {
      numbers.set(list.subarray(first, first + count * 2), base + KNOWN);
      rows.objects.delete(row);
    }
    numbers[base + COUNT] = count;
  }

  /** Records that value `text` was seen for key number `key`; returns for how many other keys it had been. */
  private share(text: string, key: number, o: Observation): number {
    const threshold = this.spec.known_if_shared_by;
    if (threshold === undefined) return 0;
    const id = this.values.intern(text);
    const shared = this.shared;
    let row = shared.row(id);
    if (row < 0) row = shared.create(id, o.t, o.tick);
    else shared.touch(row, o.t, o.tick);
    const base = shared.select(row);
    const numbers = shared.numbers;
    const count = numbers[base + COUNT] as number;
    let others = 0;
    let mine = false;
    for (let i = 0; i < count; i += 1) {
      if (numbers[base + KEYS + i] === key) mine = true;
      else others += 1;
    }
    if (!mine && count < threshold + 1) {
      numbers[base + KEYS + count] = key;
      numbers[base + COUNT] = count + 1;
    }
    return others;
  }

  /** Persisted form: touched, seen, then (value, last seen) per known value. */
  exportKey(id: number): number[] | undefined {
    const row = this.rows.row(id);
    if (row < 0) return undefined;
    const base = this.rows.select(row);
    const numbers = this.rows.numbers;
    const count = numbers[base + COUNT] as number;
    const list = ownOf(this.rows, row, count);
    const saved = [numbers[base + TOUCHED] as number, numbers[base + SEEN] as number];
    const known = list ?? numbers;
    const first = list === undefined ? base + KNOWN : 0;
    for (let i = 0; i < count * 2; i += 1) saved.push(known[first + i] as number);
    return saved;
  }

  snapshot(parts: SnapshotParts): unknown {
    return {
      started: this.started ?? null,
      // A user's values beyond those in the row go as a part of their own.
      rows: this.rows.dump(parts, (own) => parts.add(own)),
      values: this.values.dump(parts),
      sharedWidth: this.sharedWidth(),
      shared: this.shared.dump(parts),
    };
  }

  restore(state: unknown, parts: SnapshotParts, remap: Int32Array): boolean {
    const saved = state as {
      started: number | null;
      rows: RowsDump;
      values: SpaceDump;
      sharedWidth: number;
      shared: RowsDump;
    };
    if (!this.rows.restore(saved.rows, parts, remap, (index) => parts.float64(index as number))) return false;
    this.started = saved.started ?? undefined;
    // Who shares which value is kept if the bar is the same; else it is relearned.
    if (saved.sharedWidth === this.sharedWidth()) {
      const values = this.values.restoreKeys(saved.values, parts);
      this.shared.restore(saved.shared, parts, values);
      this.values.releaseUnused();
    }
    return true;
  }

  rowColumn(): number {
    return this.rows.column;
  }

  forEachKey(visit: (id: number) => void): void {
    this.rows.forEachKey(visit);
  }

  load(key: string, state: unknown): void {
    if (!Array.isArray(state) || state.length < 2 || !state.every((n) => typeof n === 'number')) return;
    const saved = state as number[];
    if ((saved.length - 2) % 2 !== 0) return;
    const [touched = 0, seen = 0] = saved;
    const id = this.space.intern(key);
    const rows = this.rows;
    const row = rows.row(id) >= 0 ? rows.row(id) : rows.create(id, touched, seen);
    const base = rows.select(row);
    const known = saved.slice(2).slice(-this.spec.max_values * 2);
    const count = known.length / 2;
    if (count > INLINE_KNOWN) {
      const own = new Float64Array((this.spec.max_values + 1) * 2);
      own.set(known);
      rows.objects.set(row, own);
    } else {
      rows.objects.delete(row);
      rows.numbers.set(known, base + KNOWN);
    }
    rows.numbers[base + COUNT] = count;
  }

  sweep(before: number, sparedAfter: number): void {
    this.rows.sweep(before - this.spec.remember, sparedAfter);
    this.shared.sweep(before - this.spec.remember, sparedAfter);
  }

  dispose(): void {
    this.rows.dispose();
    this.shared.dispose();
  }

  size(): number {
    return this.rows.size + this.shared.size;
  }
}
