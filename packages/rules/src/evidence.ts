/** How many event ids an incident keeps from the start of the attack and from its latest moments. */
export const EVIDENCE_HEAD = 10;
export const EVIDENCE_TAIL = 10;

/**
 * Adds an event id to capped evidence, in place: the first EVIDENCE_HEAD ids are kept for good,
 * then a rolling window of the EVIDENCE_TAIL most recent.
 */
export function appendEvidence(evidence: string[], eventId: string): void {
  evidence.push(eventId);
  if (evidence.length > EVIDENCE_HEAD + EVIDENCE_TAIL) evidence.splice(EVIDENCE_HEAD, 1);
}
