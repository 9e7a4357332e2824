import type { RulesSnapshot } from './engine.js';
import { PART_TYPES, type Part, type PartType, partType } from './state/snapshot-parts.js';

/** "BWRS", little-endian: the first four bytes of every encoded snapshot. */
const MAGIC = 0x53525742;
const ALIGN = 8;

interface Header {
  meta: unknown;
  extra: unknown;
  /** Per part: its type, where it starts (bytes after the header) and its length (elements). */
  parts: { type: PartType; offset: number; length: number }[];
}

const aligned = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/**
 * A snapshot as bytes: the pieces to write one after the other (the parts are views of the engine's
 * state, not copies: write them before the engine evaluates again). `extra` travels with it (the
 * rules stage keeps its checkpoint there). Layout: magic, header length, header (JSON), then each
 * part at an offset that is a multiple of 8, so that it can be read back in place.
 */
export function encodeSnapshot(snapshot: RulesSnapshot, extra: unknown = null): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  const descriptors: Header['parts'] = [];
  let offset = 0;
  for (const part of snapshot.parts) {
    descriptors.push({ type: partType(part), offset, length: part.length });
    offset = aligned(offset + part.byteLength);
  }
  const header = Buffer.from(
    JSON.stringify({ meta: snapshot.meta, extra, parts: descriptors } satisfies Header),
  );
  const lead = new Uint8Array(aligned(8 + header.length));
  const view = new DataView(lead.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  lead.set(header, 8);
  pieces.push(lead);
  for (const part of snapshot.parts) {
    pieces.push(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    const padding = aligned(part.byteLength) - part.byteLength;
    if (padding > 0) pieces.push(new Uint8Array(padding));
  }
  return pieces;
}

/** Reads back what `encodeSnapshot` wrote; parts are views of `bytes` where they are aligned. */
export function decodeSnapshot(bytes: Uint8Array): { snapshot: RulesSnapshot; extra: unknown } {
  if (bytes.byteLength < 8) throw new Error('rule state snapshot: too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('rule state snapshot: not a snapshot');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.byteLength) throw new Error('rule state snapshot: header cut short');
  const header = JSON.parse(
    Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString(),
  ) as Header;
  const start = aligned(8 + headerLength);
  const parts: Part[] = header.parts.map(({ type, offset, length }) => {
    const Type = PART_TYPES[type];
    if (Type === undefined) throw new Error(`rule state snapshot: unknown part type ${String(type)}`);
    const byteLength = length * Type.BYTES_PER_ELEMENT;
    const at = start + offset;
    if (at + byteLength > bytes.byteLength) throw new Error('rule state snapshot: a part is cut short');
    const absolute = bytes.byteOffset + at;
    if (absolute % Type.BYTES_PER_ELEMENT === 0)
      return new Type(bytes.buffer as ArrayBuffer, absolute, length);
    return new Type(bytes.slice(at, at + byteLength).buffer as ArrayBuffer, 0, length);
  });
  return { snapshot: { meta: header.meta, parts }, extra: header.extra };
}
