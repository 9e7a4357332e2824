import { createHash, randomFillSync } from 'node:crypto';
import type { IncidentKey } from './incident.js';

/** Canonical JSON of a key: properties sorted, so equal keys always serialise alike. */
export function canonicalKey(key: IncidentKey): string {
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(key).sort()) sorted[name] = key[name] as string;
  return JSON.stringify(sorted);
}

/** Stable incident id: the same rule, key and episode start always give the same id. */
export function incidentId(rule: string, key: IncidentKey, episodeStartMs: number): string {
  const digest = createHash('sha256')
    .update(`${rule}\n${canonicalKey(key)}\n${episodeStartMs}`)
    .digest('hex');
  return `inc_${digest.slice(0, 24)}`;
}

/** Random bytes taken from the system in blocks: one call per 512 ids instead of one per id. */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;
/** The character codes of the lowercase hex digits. */
const HEX_CODES = Array.from({ length: 16 }, (_, d) => d.toString(16).charCodeAt(0));
const DASH = 45;
/**
 * The id being made, as character codes: `String.fromCharCode` makes it one flat string. Joined from
 * pieces, it was a tree of a dozen strings, which the event kept until posting it to the store's
 * worker flattened it, a copy made on the main thread and, for ids held across a collection, in
 * the old generation.
 */
const codes: number[] = new Array<number>(36).fill(DASH);
/** The millisecond whose time part (the first 14 characters, up to the version digit) `codes` holds. */
let prefixMs = -1;

/** Writes the two hex digits of `byte` at `at`. */
function writeByte(at: number, byte: number): void {
  codes[at] = HEX_CODES[byte >> 4] as number;
  codes[at + 1] = HEX_CODES[byte & 0x0f] as number;
}

/**
 * A fresh event id for live ingest: a UUIDv7 (RFC 9562), time-ordered, so the store's index of ids
 * grows at its end instead of taking random inserts all over. 48 bits of Unix milliseconds, then 74
 * random bits (version and variant set), from a pool of crypto random bytes refilled a block at a time.
 */
export function newEventId(): string {
  if (poolAt + 10 > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 10;
  const now = Date.now();
  if (now !== prefixMs) {
    prefixMs = now;
    // 48 bits of milliseconds as 12 hex digits: 8, a dash, 4 (dashes stay from the fill).
    const high = Math.floor(now / 0x1000000);
    const low = now % 0x1000000;
    for (let i = 0; i < 3; i += 1) writeByte(i * 2, (high >> (16 - i * 8)) & 0xff);
    writeByte(6, (low >> 16) & 0xff);
    writeByte(9, (low >> 8) & 0xff);
    writeByte(11, low & 0xff);
    codes[14] = 55; // the version digit, 7
  }
  codes[15] = HEX_CODES[(pool[r] as number) & 0x0f] as number;
  writeByte(16, pool[r + 1] as number);
  writeByte(19, ((pool[r + 2] as number) & 0x3f) | 0x80); // the variant bits, 10
  writeByte(21, pool[r + 3] as number);
  for (let i = 0; i < 6; i += 1) writeByte(24 + i * 2, pool[r + 4 + i] as number);
  return String.fromCharCode.apply(null, codes);
}

/** A deterministic event id for offline replay: the same file position always gives the same id. */
export function replayEventId(origin: string, lineNo: number): string {
  return `rp_${createHash('sha256').update(`${origin}:${lineNo}`).digest('hex').slice(0, 24)}`;
}
