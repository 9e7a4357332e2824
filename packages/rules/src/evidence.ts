/** How many event ids an incident keeps from the start of the attack and from its latest moments. */
export const EVIDENCE_HEAD = 10;
export const EVIDENCE_TAIL = 10;

/**
 * Adds an event id to capped evidence: the first EVIDENCE_HEAD ids are kept for good, then a
 * rolling window of the EVIDENCE_TAIL most recent. Returns a new array.
 */
export function appendEvidence(evidence: readonly string[], eventId: string): string[] {
  const next = [...evidence, eventId];
  if (next.length > EVIDENCE_HEAD + EVIDENCE_TAIL) next.splice(EVIDENCE_HEAD, 1);
  return next;
}
