/**
 * A bounded map of per-connection state: once full, each new entry evicts the oldest, so a flood
 * of connections that never finish cannot grow memory without limit. Connections are short-lived,
 * so evicting the oldest (rather than the least recently used) loses nothing that matters.
 *
 * Insertion order is kept in a ring of keys: asking a large Map for its first key after many
 * deletions walks over the deleted slots, which made eviction quadratic.
 */
export class SessionTable<K, T> {
  private readonly entries = new Map<K, T>();
  private readonly order: (K | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.order = new Array<K | undefined>(capacity);
  }

  get(key: K): T | undefined {
    return this.entries.get(key);
  }

  /** Adds an entry, or replaces the value of a key already present. */
  set(key: K, value: T): T {
    if (this.entries.has(key)) {
      this.entries.set(key, value);
      return value;
    }
    const evicted = this.order[this.next];
    if (evicted !== undefined) this.entries.delete(evicted);
    this.order[this.next] = key;
    this.next = (this.next + 1) % this.capacity;
    this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
