import type { Incident, Severity } from '@bulwark/schemas';

/** What evaluating events did to one incident. */
export interface IncidentChange {
  /** `closed`: the episode went quiet; the incident is resolved and a new episode gets a new id. */
  type: 'opened' | 'updated' | 'closed';
  incident: Incident;
  /** The severity before this change, on updates; a rise is what earns a new notification. */
  previousSeverity?: Severity;
}
