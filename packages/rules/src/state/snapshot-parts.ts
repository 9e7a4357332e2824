/** The typed arrays a snapshot carries besides its JSON. */
export type Part = Float64Array | Uint32Array | Int32Array | Uint8Array;

/** Part types by name, as a snapshot's header records them. */
export const PART_TYPES = {
  f64: Float64Array,
  u32: Uint32Array,
  i32: Int32Array,
  u8: Uint8Array,
} as const;
export type PartType = keyof typeof PART_TYPES;

export function partType(part: Part): PartType {
  if (part instanceof Float64Array) return 'f64';
  if (part instanceof Uint32Array) return 'u32';
  if (part instanceof Int32Array) return 'i32';
  return 'u8';
}

/**
 * The binary parts of a snapshot, referred to by index from its JSON. Taking a snapshot adds parts
 * (views of live state, not copies: the snapshot must be written out before the engine evaluates
 * again); restoring reads them back, checking each is of the type expected.
 */
export class SnapshotParts {
  constructor(readonly list: Part[] = []) {}

  add(part: Part): number {
    this.list.push(part);
    return this.list.length - 1;
  }

  float64(index: number): Float64Array {
    return this.get(index, Float64Array);
  }

  uint32(index: number): Uint32Array {
    return this.get(index, Uint32Array);
  }

  uint8(index: number): Uint8Array {
    return this.get(index, Uint8Array);
  }

  private get<T extends Part>(index: number, type: new (...args: never[]) => T): T {
    const part = this.list[index];
    if (!(part instanceof type)) throw new Error(`snapshot part ${index} is not a ${type.name}`);
    return part;
  }
}
