import type { IncidentKey, SecurityEvent, Severity } from '@bulwark/schemas';
import { wallTime } from '../time/zoned.js';

/** `<`, `>`, `&`, quotes escaped for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-21 10:05:12 UTC` */
export function formatUtc(isoOrMs: string | number): string {
  const date = new Date(isoOrMs);
  if (Number.isNaN(date.getTime())) return String(isoOrMs);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `2026-11-21 11:05 (Europe/Berlin)`: the wall clock people read where they are. */
export function formatLocal(isoOrMs: string | number, timeZone: string): string {
  const ms = typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs);
  if (Number.isNaN(ms)) return String(isoOrMs);
  if (timeZone === 'UTC') return formatUtc(ms).slice(0, 16).concat(' UTC');
  const wall = wallTime(ms, timeZone);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)} ${pad(wall.hour)}:${pad(wall.minute)} (${timeZone})`;
}

/** `source.ip=203.0.113.7` */
export function keyText(key: IncidentKey | null): string {
  if (!key) return '';
  return Object.entries(key)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
}

/** `203.0.113.7`: the key's values only, for tight spaces. */
export function keyValues(key: IncidentKey | null): string {
  return key ? Object.values(key).join(' ') : '';
}

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** `2 critical, 5 high` */
export function severityCounts(severities: readonly Severity[]): string {
  return SEVERITY_ORDER.map(
    (severity) => [severity, severities.filter((s) => s === severity).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => `${n} ${severity}`)
    .join(', ');
}

/** One evidence line's columns, for tables. */
export function evidenceColumns(event: SecurityEvent): string[] {
  return [
    formatUtc(event['@timestamp']),
    event['source.ip'] ?? '',
    event['user.name'] ?? '',
    event['event.action'] ?? event['bulwark.category'],
    event['event.outcome'] ?? '',
    event.message.length > 160 ? `${event.message.slice(0, 157)}...` : event.message,
  ];
}

export const EVIDENCE_HEADERS = ['time', 'source.ip', 'user.name', 'action', 'outcome', 'line'];
