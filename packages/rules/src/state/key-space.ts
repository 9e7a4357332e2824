import { AddressTable } from './address-table.js';
import { EventIds } from './event-ids.js';
import { ipv4Number, ipv4Text } from './ipv4.js';
import type { RowSet } from './row-set.js';
import type { SnapshotParts } from './snapshot-parts.js';

/** Records are kept in chunks of 2^CHUNK_BITS ids: the space grows a chunk at a time, copying nothing. */
const CHUNK_BITS = 10;
const CHUNK_IDS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_IDS - 1;

/** Fields of a key's record, before the row of each rule. */
const KIND = 0; // FREE, TEXT or ADDRESS
const ADDRESS = 1; // an IPv4 key's 32 bits
const HOLDERS = 2; // rules holding a row for the key
const EPISODES = 3; // incidents open for the key
const ROWS = 4; // then one row number per rule (column), -1 for none

const FREE = 0;
const TEXT = 1;
const ADDRESS_KEY = 2;

/** A space's keys in a snapshot: per id its kind and address (parts), and the text keys. */
export interface SpaceDump {
  next: number;
  kinds: number;
  addresses: number;
  texts: [id: number, text: string][];
}

/**
 * The keys of every rule that groups by the same fields, numbered. A key's number (id) leads to its
 * record: a few integers (48 bytes for up to eight rules), with the row each rule keeps for it
 * (RowSet) and how many rules hold it and incidents are open for it. With a million keys looked up
 * at random, each cache line read is a trip to memory; the layout is made so that an event's key
 * costs two: the address table and the record.
 *
 * An id lives while some rule holds a row for it or an incident is open for it; then it is freed
 * and reused. `intern` makes ids freely: the key last interned is released at the next `intern` or
 * `settle` if nothing took hold of it.
 */
export class KeySpace {
  /** Ids of IPv4 keys (most keys, in practice), by address number. */
  private readonly addresses = new AddressTable();
  /** Ids of other keys, by text, and the text of each. */
  private readonly texts = new Map<string, number>();
  private readonly textOf = new Map<number, string>();
  /**
   * Int32s per record: the fields before the rows and a row per rule, in steps of four (16 bytes).
   * 12 holds eight rules (the default pack has seven by address) in 48 bytes: with a million keys,
   * every byte is a page to fault in, and a record read crosses a cache line as often as at 64.
   */
  private width = ROWS + 8;
  private columns = 0;
  private readonly freeColumns: number[] = [];
  /** The row set of each column (for `warm`), undefined for a column given back or registered bare. */
  private readonly rowSets: (RowSet | undefined)[] = [];
  private chunks: Int32Array[] = [];
  /** The chunk `at` selected, where the record at the offset it returned is. */
  private records: Int32Array = new Int32Array(0);
  private readonly free: number[] = [];
  private next = 0;
  private focusText: string | undefined;
  private focusId = -1;

  /** `eventIds`: how the rows of this space write event ids (one per engine, shared by its spaces). */
  constructor(readonly eventIds: EventIds = new EventIds()) {}

  /** Selects the chunk of key `id`'s record into `records`; returns the record's offset in it. */
  private at(id: number): number {
    this.records = this.chunks[id >>> CHUNK_BITS] as Int32Array;
    return (id & CHUNK_MASK) * this.width;
  }

  /** A column for one rule's rows (`rows`, if given, is what `warmRows` reads for it). */
  register(rows?: RowSet): number {
    const reused = this.freeColumns.pop();
    if (reused !== undefined) {
      this.rowSets[reused] = rows;
      return reused;
    }
    const column = this.columns;
    this.rowSets[column] = rows;
    this.columns += 1;
    if (ROWS + this.columns > this.width) this.widen(this.width + 4);
    for (let id = 0; id < this.next; id += 1) {
      const at = this.at(id);
      this.records[at + ROWS + column] = -1;
    }
    return column;
  }

  /** Gives back a column whose rule is gone (its rows already freed). */
  unregister(column: number): void {
    this.rowSets[column] = undefined;
    this.freeColumns.push(column);
  }

  /** The id of `text`, made if need be. */
  intern(text: string): number {
    if (text === this.focusText) return this.focusId;
    this.settle();
    const id = this.idOf(text);
    this.focusText = text;
    this.focusId = id;
    return id;
  }

  /** The id of `text`, made if need be, without the focus of `intern` (it is released by `releaseUnused`). */
  private idOf(text: string): number {
    const address = ipv4Number(text);
    let id = address >= 0 ? this.addresses.get(address) : (this.texts.get(text) ?? -1);
    if (id >= 0) return id;
    id = this.allocate();
    const at = this.at(id);
    if (address >= 0) {
      this.records[at + KIND] = ADDRESS_KEY;
      this.records[at + ADDRESS] = address | 0;
      this.addresses.set(address, id);
    } else {
      this.records[at + KIND] = TEXT;
      this.texts.set(text, id);
      this.textOf.set(id, text);
    }
    return id;
  }

  /** The id of `text`, or -1 if it has none. */
  find(text: string): number {
    const address = ipv4Number(text);
    return address >= 0 ? this.addresses.get(address) : (this.texts.get(text) ?? -1);
  }

  /** Releases the key last interned if nothing took hold of it. */
  settle(): void {
    const id = this.focusId;
    this.focusText = undefined;
    this.focusId = -1;
    if (id >= 0) this.releaseIfUnused(id);
  }

  keyOf(id: number): string {
    const at = this.at(id);
    return this.records[at + KIND] === ADDRESS_KEY
      ? ipv4Text((this.records[at + ADDRESS] as number) >>> 0)
      : (this.textOf.get(id) as string);
  }

  /** The row rule `column` keeps for key `id`, or -1. */
  row(id: number, column: number): number {
    const at = this.at(id);
    return this.records[at + ROWS + column] as number;
  }

  /** Records that rule `column` keeps `row` for key `id`, which had none. */
  setRow(id: number, column: number, row: number): void {
    const at = this.at(id);
    this.records[at + ROWS + column] = row;
    this.records[at + HOLDERS] = (this.records[at + HOLDERS] as number) + 1;
  }

  /** Records that rule `column` no longer keeps a row for key `id`. */
  clearRow(id: number, column: number): void {
    const at = this.at(id);
    this.records[at + ROWS + column] = -1;
    this.records[at + HOLDERS] = (this.records[at + HOLDERS] as number) - 1;
    if (id !== this.focusId) this.releaseIfUnused(id);
  }

  /** Whether an incident of any kind may be open for the key: when not, no lookup by text is needed. */
  mayBeOpen(id: number): boolean {
    const at = this.at(id);
    return this.records[at + EPISODES] !== 0;
  }

  openEpisode(id: number): void {
    const at = this.at(id) + EPISODES;
    this.records[at] = (this.records[at] as number) + 1;
  }

  closeEpisode(id: number): void {
    const at = this.at(id) + EPISODES;
    this.records[at] = (this.records[at] as number) - 1;
    if (id !== this.focusId) this.releaseIfUnused(id);
  }

  /**
   * For `warm.ts`: writes the ids of IPv4 `addresses[0..count)` to `ids` (-1 for none yet), having
   * read first the table slots of all, then the records of all, each in a tight loop so that the
   * trips to memory overlap. Returns what it read.
   */
  warmKeys(addresses: Int32Array, count: number, ids: Int32Array): number {
    const table = this.addresses;
    let sink = table.warm(addresses, count);
    for (let j = 0; j < count; j += 1) ids[j] = table.get((addresses[j] as number) >>> 0);
    const chunks = this.chunks;
    const width = this.width;
    // The incident count (read first by every event) and the last row column: both lines of a
    // record that spans two.
    const last = ROWS + Math.max(0, this.columns - 1);
    for (let j = 0; j < count; j += 1) {
      const id = ids[j] as number;
      if (id < 0) continue;
      const records = chunks[id >>> CHUNK_BITS] as Int32Array;
      const at = (id & CHUNK_MASK) * width;
      sink += (records[at + EPISODES] as number) + (records[at + last] as number);
    }
    return sink;
  }

  /**
   * For `warm.ts`: reads the records the next `count` new keys will most likely get (freed ids are
   * reused first; ids never used are fresh memory, which a read would only map to fault again on
   * the first write). Returns what it read.
   */
  warmNewKeys(count: number): number {
    let sink = 0;
    const free = this.free;
    for (let j = free.length - 1; j >= 0 && j >= free.length - count; j -= 1) {
      const id = free[j] as number;
      sink += (this.chunks[id >>> CHUNK_BITS] as Int32Array)[(id & CHUNK_MASK) * this.width] as number;
    }
    return sink;
  }

  /**
   * For `warm.ts`: reads, for the keys `ids[items[0..count)]`, the rows rule `column` keeps, and
   * the rows it will most likely make for the keys that have none. Returns what it read.
   */
  warmRows(column: number, ids: Int32Array, items: Int32Array, count: number, rows: Int32Array): number {
    const rowSet = this.rowSets[column];
    if (rowSet === undefined) return 0;
    const chunks = this.chunks;
    const width = this.width;
    let made = 0;
    for (let i = 0; i < count; i += 1) {
      const id = ids[items[i] as number] as number;
      const row =
        id < 0
          ? -1
          : ((chunks[id >>> CHUNK_BITS] as Int32Array)[(id & CHUNK_MASK) * width + ROWS + column] as number);
      rows[i] = row;
      if (row < 0) made += 1;
    }
    return rowSet.warm(rows, count) + rowSet.warmNew(made);
  }

  /** IPv4 keys (ids in the address table). */
  get addressKeys(): number {
    return this.addresses.size;
  }

  /** Ids in use. */
  get size(): number {
    return this.next - this.free.length;
  }

  /**
   * The keys, for a snapshot: which ids are in use and for which key. Rows refer to keys by id;
   * `restoreKeys` gives the ids they have in the space they are restored to.
   */
  dump(parts: SnapshotParts): SpaceDump {
    const kinds = new Uint8Array(this.next);
    const addresses = new Uint32Array(this.next);
    const texts: SpaceDump['texts'] = [];
    for (let id = 0; id < this.next; id += 1) {
      const at = this.at(id);
      const kind = this.records[at + KIND] as number;
      kinds[id] = kind;
      if (kind === ADDRESS_KEY) addresses[id] = (this.records[at + ADDRESS] as number) >>> 0;
      else if (kind === TEXT) texts.push([id, this.textOf.get(id) as string]);
    }
    return { next: this.next, kinds: parts.add(kinds), addresses: parts.add(addresses), texts };
  }

  /**
   * Makes ids for the keys of a dump (held by nothing yet); returns, for each of its ids, the id
   * the key has here (-1 for ids that were free). Call `releaseUnused` once rows and incidents have
   * taken hold of theirs.
   */
  restoreKeys(dump: SpaceDump, parts: SnapshotParts): Int32Array {
    this.settle();
    const kinds = parts.uint8(dump.kinds);
    const addresses = parts.uint32(dump.addresses);
    const remap = new Int32Array(dump.next).fill(-1);
    for (let id = 0; id < dump.next; id += 1) {
      if (kinds[id] !== ADDRESS_KEY) continue;
      const address = addresses[id] as number;
      let here = this.addresses.get(address);
      if (here < 0) {
        here = this.allocate();
        const at = this.at(here);
        this.records[at + KIND] = ADDRESS_KEY;
        this.records[at + ADDRESS] = address | 0;
        this.addresses.set(address, here);
      }
      remap[id] = here;
    }
    for (const [id, text] of dump.texts) remap[id] = this.idOf(text);
    return remap;
  }

  /** Frees every id that no rule holds and no incident is open for (after a restore). */
  releaseUnused(): void {
    this.settle();
    for (let id = 0; id < this.next; id += 1) this.releaseIfUnused(id);
  }

  private releaseIfUnused(id: number): void {
    const at = this.at(id);
    const kind = this.records[at + KIND];
    if (kind === FREE || this.records[at + HOLDERS] !== 0 || this.records[at + EPISODES] !== 0) return;
    if (kind === ADDRESS_KEY) this.addresses.delete((this.records[at + ADDRESS] as number) >>> 0);
    else {
      this.texts.delete(this.textOf.get(id) as string);
      this.textOf.delete(id);
    }
    this.records[at + KIND] = FREE;
    this.free.push(id);
  }

  private allocate(): number {
    let id = this.free.pop();
    if (id === undefined) {
      if (this.next === this.chunks.length * CHUNK_IDS)
        this.chunks.push(new Int32Array(CHUNK_IDS * this.width));
      id = this.next;
      this.next += 1;
    }
    const at = this.at(id);
    // Loops, not `fill`: a call into the runtime costs more than the dozen words it clears.
    const records = this.records;
    for (let i = at; i < at + ROWS; i += 1) records[i] = 0;
    for (let i = at + ROWS; i < at + ROWS + this.columns; i += 1) records[i] = -1;
    return id;
  }

  /** Makes room for more columns in every record (a rule was added). */
  private widen(width: number): void {
    this.chunks = this.chunks.map((chunk) => {
      const wider = new Int32Array(CHUNK_IDS * width);
      for (let i = 0; i < CHUNK_IDS; i += 1) {
        wider.set(chunk.subarray(i * this.width, (i + 1) * this.width), i * width);
      }
      return wider;
    });
    this.width = width;
  }
}
