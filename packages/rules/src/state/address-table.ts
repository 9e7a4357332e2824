/** Smallest table: 2^10 slots. */
const MIN_BITS = 10;

/** Mixes the bits of a 32-bit number (murmur3's finaliser), so that neighbouring addresses spread. */
function mix(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Unsigned 32-bit numbers (IPv4 addresses) to ids, in open addressing with linear probing over one
 * Int32Array of (address, id + 1) pairs. A million addresses cost 16 MB that the garbage collector
 * never walks, and a lookup reads one cache line, where a Map of strings compares strings scattered
 * over the heap.
 */
export class AddressTable {
  /** Per slot: the address (its 32 bits), then id + 1; 0 there means empty. */
  private slots: Int32Array;
  private bits = MIN_BITS;
  private used = 0;

  constructor() {
    this.slots = new Int32Array(2 << MIN_BITS);
  }

  /** The id of `address`, or -1. */
  get(address: number): number {
    const slots = this.slots;
    const mask = (1 << this.bits) - 1;
    const wanted = address | 0;
    for (let slot = mix(address) >>> (32 - this.bits); ; slot = (slot + 1) & mask) {
      const id = slots[2 * slot + 1] as number;
      if (id === 0) return -1;
      if (slots[2 * slot] === wanted) return id - 1;
    }
  }

  /**
   * Reads the slot where the lookup of each of `addresses[0..count)` starts, in one tight loop so
   * that the trips to memory overlap (see `warm.ts`); returns what it read.
   */
  warm(addresses: Int32Array, count: number): number {
    const slots = this.slots;
    const shift = 32 - this.bits;
    let sink = 0;
    for (let j = 0; j < count; j += 1)
      sink += slots[2 * (mix(addresses[j] as number) >>> shift) + 1] as number;
    return sink;
  }

  /** Records `address` as `id`; the address must not be in the table. */
  set(address: number, id: number): void {
    if ((this.used + 1) * 2 > 1 << this.bits) this.resize(this.bits + 1);
    this.place(address, id);
    this.used += 1;
  }

  delete(address: number): void {
    const slots = this.slots;
    const size = 1 << this.bits;
    const mask = size - 1;
    const wanted = address | 0;
    let slot = mix(address) >>> (32 - this.bits);
    for (;;) {
      if (slots[2 * slot + 1] === 0) return;
      if (slots[2 * slot] === wanted) break;
      slot = (slot + 1) & mask;
    }
    // Backward-shift deletion: later entries of the probe run move up, so no tombstones pile up.
    let hole = slot;
    for (let next = (hole + 1) & mask; slots[2 * next + 1] !== 0; next = (next + 1) & mask) {
      const home = mix(slots[2 * next] as number) >>> (32 - this.bits);
      // The entry may fill the hole when its home slot is not in (hole, next], cyclically.
      if ((next - home + size) % size >= (next - hole + size) % size) {
        slots[2 * hole] = slots[2 * next] as number;
        slots[2 * hole + 1] = slots[2 * next + 1] as number;
        hole = next;
      }
    }
    slots[2 * hole] = 0;
    slots[2 * hole + 1] = 0;
    this.used -= 1;
    if (this.bits > MIN_BITS && this.used * 8 < size) this.resize(this.bits - 1);
  }

  get size(): number {
    return this.used;
  }

  private place(address: number, id: number): void {
    const mask = (1 << this.bits) - 1;
    let slot = mix(address) >>> (32 - this.bits);
    while (this.slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    this.slots[2 * slot] = address | 0;
    this.slots[2 * slot + 1] = id + 1;
  }

  private resize(bits: number): void {
    const old = this.slots;
    this.bits = bits;
    this.slots = new Int32Array(2 << bits);
    for (let slot = 0; slot < old.length; slot += 2) {
      const id = old[slot + 1] as number;
      if (id !== 0) this.place(old[slot] as number, id - 1);
    }
  }
}
