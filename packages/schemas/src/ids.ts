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
/** Two lowercase hex digits per byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
/** The id's time part for the millisecond `prefixMs`, made once per millisecond. */
let prefixMs = -1;
let prefix = '';

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
    const time = now.toString(16).padStart(12, '0');
    prefixMs = now;
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  }
  const h = (i: number) => HEX[pool[r + i] as number] as string;
  return (
    `${prefix}${((pool[r] as number) & 0x0f).toString(16)}${h(1)}-` +
    `${HEX[((pool[r + 2] as number) & 0x3f) | 0x80]}${h(3)}-${h(4)}${h(5)}${h(6)}${h(7)}${h(8)}${h(9)}`
  );
}

/** A deterministic event id for offline replay: the same file position always gives the same id. */
export function replayEventId(origin: string, lineNo: number): string {
  return `rp_${createHash('sha256').update(`${origin}:${lineNo}`).digest('hex').slice(0, 24)}`;
}
