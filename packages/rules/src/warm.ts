import type { SecurityEvent } from '@bulwark/schemas';
import type { Detector } from './detectors/detector.js';
import type { Predicate } from './filter.js';
import { ipv4Number } from './state/ipv4.js';
import type { KeySpace } from './state/key-space.js';

/**
 * Events read ahead at a time. Their lines (about eight per event: address slot, key record and a
 * row or two per rule) take some 32 KiB, well within the L2 cache, so they are still there when
 * the events are evaluated right after.
 */
export const WARM_AHEAD = 64;

/**
 * IPv4 keys a key space holds before its state is read ahead (`EngineOptions.readAheadFrom`). Below,
 * records and rows fit in the caches, there is no trip to memory to overlap, and reading ahead costs
 * 0.3–0.45 µs an event for nothing (measured with 1,000 addresses); at a million it saves more than
 * that. 65,536 keys are some 4 MB of records and 30–40 MB of rows: past a last-level cache.
 */
export const READ_AHEAD_FROM = 65_536;

/** What the warmer needs of a loaded rule (the engine's entries are these). */
export interface WarmRule {
  readonly check: Predicate | null;
  readonly detector: Detector;
  readonly keys: { readonly space: KeySpace; readonly fields: readonly string[] };
}

/**
 * Reads ahead, for a run of events, the memory their rules are about to read: the address-table
 * slot of each IPv4 key, its record, and the row each rule keeps for it. With a million keys each
 * of those lines is a trip to memory (160–290 ns here), and evaluating an event makes them one
 * after the other: slot, then record, then row, and nothing else proceeds meanwhile. Read for 64
 * events in three tight passes (all slots, then all records, then all rows), the trips of different
 * events overlap, and evaluation finds the lines in cache.
 *
 * It only reads: rows and keys made, freed or moved since (the events themselves do that) make a
 * read land on a line not needed, never a wrong result. Keys that are not IPv4 addresses (users,
 * composite keys) are left alone: they are few, or live in a Map the collector owns.
 */
export class Warmer {
  /** Per key space: the keys of the run, and per rule column the keys its rule reads a row of. */
  private readonly groups = new Map<KeySpace, SpaceGroup>();
  /** Per category, its rules and what to note of their events (`prepare`). */
  private readonly plans = new Map<string, Plan>();
  /** The same for the rules of any category. */
  private always: Plan = { rules: [], keys: [] };
  /** The group and key added last, for the event being noted: its rules mostly share its key. */
  private lastGroup: SpaceGroup | undefined;
  private lastEvent: SecurityEvent | undefined;
  private lastText = '';
  private lastAddress = -1;
  /** What the reads gave, kept so that the compiler keeps the reads. */
  sink = 0;
  /**
   * The rules of each event's category (`events[from + i]`'s at `i`), looked up once here for the
   * read ahead and the evaluation both.
   */
  readonly specific: (readonly WarmRule[] | undefined)[] = [];

  /**
   * Works out, for a batch, what the events of each category will read: per key space, the field
   * its keys are and the row column (and filter) of each rule. Asking every rule of every event
   * for these cost some 900 instructions an event; rules and columns change only between batches.
   */
  prepare(byCategory: ReadonlyMap<string, readonly WarmRule[]>, anyCategory: readonly WarmRule[]): void {
    this.plans.clear();
    for (const [category, rules] of byCategory) this.plans.set(category, this.planOf(rules));
    this.always = this.planOf(anyCategory);
  }

  /** Reads ahead for `events[from..to)`, with the plans of the last `prepare`. */
  warm(events: readonly SecurityEvent[], from: number, to: number): void {
    for (const group of this.groups.values()) group.clear();
    this.lastGroup = undefined;
    const always = this.always.keys;
    for (let i = from; i < to; i += 1) {
      const event = events[i] as SecurityEvent;
      const plan = this.plans.get(event['bulwark.category']);
      this.specific[i - from] = plan?.rules;
      if (plan !== undefined) this.note(plan.keys, event);
      this.note(always, event);
    }
    let sink = 0;
    for (const group of this.groups.values()) sink += group.warm();
    this.sink = sink;
  }

  private planOf(rules: readonly WarmRule[]): Plan {
    const keys: KeyStep[] = [];
    for (const rule of rules) {
      const fields = rule.keys.fields;
      const column = rule.detector.rowColumn();
      if (fields.length !== 1 || column < 0) continue;
      const space = rule.keys.space;
      let step = keys.find((candidate) => candidate.group.space === space);
      if (step === undefined) {
        let group = this.groups.get(space);
        if (group === undefined) {
          group = new SpaceGroup(space);
          this.groups.set(space, group);
        }
        step = { field: fields[0] as string, group, columns: [], checks: [] };
        keys.push(step);
      }
      step.columns.push(column);
      step.checks.push(rule.check);
    }
    return { rules, keys };
  }

  /** Notes the keys and rows `steps` will read for `event`, where a key is one IPv4 address. */
  private note(steps: readonly KeyStep[], event: SecurityEvent): void {
    for (let s = 0; s < steps.length; s += 1) {
      const step = steps[s] as KeyStep;
      const value = (event as Record<string, unknown>)[step.field];
      if (typeof value !== 'string') continue;
      if (value !== this.lastText) {
        // Text that is no address (a user name) is not kept: the address before it is most likely
        // the next key again (a failed login goes to rules by address, by user, by address).
        const parsed = ipv4Number(value);
        if (parsed < 0) continue;
        this.lastText = value;
        this.lastAddress = parsed;
      }
      const address = this.lastAddress;
      if (address < 0) continue;
      const group = step.group;
      const { columns, checks } = step;
      for (let c = 0; c < columns.length; c += 1) {
        const check = checks[c] as Predicate | null;
        if (check !== null && !check(event)) continue;
        if (group !== this.lastGroup || this.lastEvent !== event || group.lastAddress() !== address) {
          group.addKey(address);
          this.lastGroup = group;
          this.lastEvent = event;
        }
        group.addRow(columns[c] as number);
      }
    }
  }
}

/** The rules of a category, and per key space what the read ahead notes of their events. */
interface Plan {
  readonly rules: readonly WarmRule[];
  readonly keys: readonly KeyStep[];
}

/** The rules of one list that key by one field in one space: that field, and each rule's row column and filter. */
interface KeyStep {
  readonly field: string;
  readonly group: SpaceGroup;
  readonly columns: number[];
  readonly checks: (Predicate | null)[];
}

/** Int32Array `array` with room for at least one more past `used`. */
function roomy(array: Int32Array, used: number): Int32Array {
  if (used < array.length) return array;
  const longer = new Int32Array(array.length * 2);
  longer.set(array);
  return longer;
}

/** The keys (as indexes into its group's) whose rows one rule reads, and those rows once read. */
interface ColumnList {
  items: Int32Array;
  rows: Int32Array;
  count: number;
}

/** The keys of one key space that a run of events reads, and the rows of them each rule reads. */
class SpaceGroup {
  private addresses: Int32Array = new Int32Array(64);
  private ids: Int32Array = new Int32Array(64);
  private count = 0;
  /** Per rule column: which of the keys above its rule reads a row of (indexes), and how many. */
  private readonly columns: (ColumnList | undefined)[] = [];
  /** The columns that have a list above. */
  private readonly listed: number[] = [];

  constructor(readonly space: KeySpace) {}

  clear(): void {
    this.count = 0;
    for (const column of this.listed) (this.columns[column] as ColumnList).count = 0;
  }

  lastAddress(): number {
    return this.count === 0 ? -1 : (this.addresses[this.count - 1] as number);
  }

  addKey(address: number): void {
    this.addresses = roomy(this.addresses, this.count);
    this.addresses[this.count] = address | 0;
    this.count += 1;
  }

  /** The latest key's row of rule `column`. */
  addRow(column: number): void {
    let list = this.columns[column];
    if (list === undefined) {
      list = { items: new Int32Array(64), rows: new Int32Array(64), count: 0 };
      this.columns[column] = list;
      this.listed.push(column);
    }
    list.items = roomy(list.items, list.count);
    list.items[list.count] = this.count - 1;
    list.count += 1;
  }

  /** Reads slots, records and rows, each kind for all keys before the next (it depends on it). */
  warm(): number {
    if (this.count === 0) return 0;
    if (this.ids.length < this.count) this.ids = new Int32Array(this.addresses.length);
    const space = this.space;
    let sink = space.warmKeys(this.addresses, this.count, this.ids);
    let made = 0;
    for (let j = 0; j < this.count; j += 1) if ((this.ids[j] as number) < 0) made += 1;
    sink += space.warmNewKeys(made);
    for (const column of this.listed) {
      const list = this.columns[column] as ColumnList;
      if (list.count === 0) continue;
      if (list.rows.length < list.count) list.rows = new Int32Array(list.items.length);
      sink += space.warmRows(column, this.ids, list.items, list.count, list.rows);
    }
    return sink;
  }
}
