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

/** A fresh event id for live ingest. */
export function newEventId(): string {
  return randomUUID();
}

/** A deterministic event id for offline replay: the same file position always gives the same id. */
export function replayEventId(origin: string, lineNo: number): string {
  return `rp_${createHash('sha256').update(`${origin}:${lineNo}`).digest('hex').slice(0, 24)}`;
}
