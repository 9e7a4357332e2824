/** How many event ids an incident keeps from the start of the attack and from its latest moments. */
export const EVIDENCE_HEAD = 10;
export const EVIDENCE_TAIL = 10;

/**
 * Adds an event id to capped evidence, in place: the first EVIDENCE_HEAD ids are kept for good,
 * then the most recent. Up to EVIDENCE_TAIL more than shown pile up before the middle ones go, a
 * batch at a time rather than one per event; read it through `shownEvidence`.
 */
export function appendEvidence(evidence: string[], eventId: string): void {
  evidence.push(eventId);
  if (evidence.length > EVIDENCE_HEAD + 2 * EVIDENCE_TAIL) trimEvidence(evidence);
}

/** Drops, in place, the ids between the first EVIDENCE_HEAD and the latest EVIDENCE_TAIL. */
export function trimEvidence(evidence: string[]): void {
  if (evidence.length > EVIDENCE_HEAD + EVIDENCE_TAIL)
    evidence.splice(EVIDENCE_HEAD, evidence.length - EVIDENCE_HEAD - EVIDENCE_TAIL);
}

/** A copy of the evidence as an incident shows it: the first EVIDENCE_HEAD and latest EVIDENCE_TAIL. */
export function shownEvidence(evidence: readonly string[]): string[] {
  if (evidence.length <= EVIDENCE_HEAD + EVIDENCE_TAIL) return [...evidence];
  return [...evidence.slice(0, EVIDENCE_HEAD), ...evidence.slice(-EVIDENCE_TAIL)];
}
