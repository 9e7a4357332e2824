import { createHash, randomUUID } from 'node:crypto';
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

/**
 * A fresh event id for live ingest: a UUIDv7 (RFC 9562), time-ordered, so the store's index of ids
 * grows at its end instead of taking random inserts all over.
 */
export function newEventId(): string {
  const random = randomUUID().replace(/-/g, '');
  const time = Date.now().toString(16).padStart(12, '0');
  const variant = ((Number.parseInt(random.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(13, 16)}-${variant}${random.slice(17, 20)}-${random.slice(20, 32)}`;
}

/** A deterministic event id for offline replay: the same file position always gives the same id. */
export function replayEventId(origin: string, lineNo: number): string {
  return `rp_${createHash('sha256').update(`${origin}:${lineNo}`).digest('hex').slice(0, 24)}`;
}
