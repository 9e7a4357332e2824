import type { Incident, Notification, Severity } from '@bulwark/schemas';
import { planUserReport, type Route } from './plan.js';
import type { LinkSigner, TokenCheck } from './tokens/link-token.js';

/**
 * What the "this wasn't me" route needs from notify: check a link's token, and plan the security
 * team's notifications for a report. `@bulwark/api`'s reportLink plugin takes an object of this
 * shape.
 */
export interface UserReports {
  /** Severity a reported incident is raised to when it is lower. */
  readonly raiseTo: Severity;
  check(token: string, nowMs: number): TokenCheck;
  /** `incident` with its severity already raised. */
  plan(incident: Incident, report: { user: string; reportedAt: string }): Notification[];
}

export function createUserReports(options: {
  signer: LinkSigner;
  routes: readonly Route[];
  raiseTo?: Severity;
}): UserReports {
  return {
    raiseTo: options.raiseTo ?? 'high',
    check: (token, nowMs) => options.signer.verify(token, nowMs),
    plan: (incident, report) => planUserReport(incident, options.routes, report),
  };
}
