import { z } from 'zod';
import { SecurityEvent } from './event.js';

export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Orders severities: negative when `a` is lower than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITY_RANK[a] - SEVERITY_RANK[b];
}

export const IncidentStatus = z.enum(['open', 'acknowledged', 'resolved']);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const IncidentKind = z.enum([
  'brute_force',
  'distributed_brute_force',
  'compromise_after_brute_force',
  'new_ip_login',
  'account_takeover',
  'credential_stuffing',
  'breached_credential_login',
  'sensitive_resource_probe',
  'injection_attempt',
  'request_flood',
]);
export type IncidentKind = z.infer<typeof IncidentKind>;

/** What an incident is about: `{"source.ip": ...}` or `{"user.name": ...}`. */
export const IncidentKey = z.record(z.string(), z.string());
export type IncidentKey = z.infer<typeof IncidentKey>;

/**
 * One attack on one key, kept up to date while it goes on. `id` is derived from rule, key and the
 * start of the episode, so the same input gives the same id live and in replay.
 * `evidence` holds the ids of the events that made it (capped); the store resolves them to events.
 */
export const Incident = z.object({
  id: z.string(),
  kind: IncidentKind,
  severity: Severity,
  status: IncidentStatus,
  key: IncidentKey,
  first_seen: z.iso.datetime(),
  last_seen: z.iso.datetime(),
  count: z.number().int().positive(),
  summary: z.string(),
  rule: z.string(),
  evidence: z.array(z.string()),
});
export type Incident = z.infer<typeof Incident>;

/** An incident with its evidence resolved to the events themselves, as `GET /v1/incidents/:id` gives it. */
export const IncidentWithEvidence = Incident.extend({ evidence_events: z.array(SecurityEvent) });
export type IncidentWithEvidence = z.infer<typeof IncidentWithEvidence>;
