import { createHash } from 'node:crypto';
import {
  type Channel,
  compareSeverity,
  type Incident,
  type IncidentKind,
  type IncidentSnapshot,
  type Notification,
  type NotificationPayload,
  type Severity,
} from '@bulwark/schemas';
import { DIGEST_KEY } from './delivery/fold-keys.js';
import { nextClockTime } from './time/zoned.js';

/**
 * Where notifications go: a channel with its recipients, optionally only for some kinds and
 * severities. Resolved from the policy (`routesOf`), so it carries everything planning needs.
 */
export interface Route {
  channel: Channel;
  recipients: string[];
  /** Only incidents of these kinds; every kind when absent. */
  kinds?: readonly IncidentKind[];
  /** Only at these severities; every severity when absent. */
  severities?: readonly Severity[];
  /** Collect into one message a day, sent when the zone's clock reads `at` (HH:MM). */
  digest?: { at: string; timezone: string };
  /**
   * `affected_user`: the user the incident is about (key `user.name`), by email, once when the
   * incident opens; `recipients` are ignored. Default `team`.
   */
  audience?: 'team' | 'affected_user';
}

/** Recipient of an affected user's notification until delivery resolves the address. */
export const AFFECTED_USER_PREFIX = 'user:';

/**
 * The idempotency key of a notification: one per incident, channel, recipient and step. The step
 * is the severity for alerts, `affected_user` for the user's email, `reported` for a user report.
 */
export function notificationId(
  incidentId: string,
  channel: Channel,
  recipient: string,
  step: Severity | 'affected_user' | 'reported',
): string {
  const digest = createHash('sha256')
    .update(`${incidentId}\n${channel}\n${recipient}\n${step}`)
    .digest('hex');
  return `ntf_${digest.slice(0, 24)}`;
}

/** What an incident change means for notification: a new incident, or one whose severity rose. */
export interface NotifiableChange {
  type: 'opened' | 'updated' | 'closed';
  incident: Incident;
  previousSeverity?: Severity;
}

export function formatKey(key: Incident['key']): string {
  return Object.entries(key)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
}

export function formatSubject(incident: Pick<Incident, 'severity' | 'kind' | 'key'>): string {
  return `[${incident.severity}] ${incident.kind} ${formatKey(incident.key)}`;
}

export function formatBody(incident: Incident): string {
  return [
    incident.summary,
    `kind: ${incident.kind}`,
    `severity: ${incident.severity}`,
    `key: ${JSON.stringify(incident.key)}`,
    `count: ${incident.count}`,
    `first seen: ${incident.first_seen}`,
    `last seen: ${incident.last_seen}`,
    `incident: ${incident.id}`,
  ].join('\n');
}

export function snapshotOf(incident: Incident): IncidentSnapshot {
  return {
    kind: incident.kind,
    key: incident.key,
    count: incident.count,
    summary: incident.summary,
    first_seen: incident.first_seen,
    last_seen: incident.last_seen,
  };
}

function routeTakes(route: Route, incident: Incident, checkSeverity: boolean): boolean {
  if (route.kinds && !route.kinds.includes(incident.kind)) return false;
  return !checkSeverity || !route.severities || route.severities.includes(incident.severity);
}

interface Draft {
  incident: Incident;
  channel: Channel;
  recipient: string;
  step: Parameters<typeof notificationId>[3];
  subject: string;
  body: string;
  payload: NotificationPayload;
  now: string;
  dueAt?: number;
  foldKey?: string;
}

function draft(d: Draft): Notification {
  return {
    id: notificationId(d.incident.id, d.channel, d.recipient, d.step),
    incident_id: d.incident.id,
    channel: d.channel,
    recipient: d.recipient,
    severity: d.incident.severity,
    subject: d.subject,
    body: d.body,
    status: 'pending',
    attempts: 0,
    last_error: null,
    created_at: d.now,
    sent_at: null,
    payload: d.payload,
    next_attempt_at: d.dueAt === undefined ? null : new Date(d.dueAt).toISOString(),
    fold_key: d.foldKey ?? null,
  };
}

/**
 * Notifications an incident change calls for: one per route and recipient when an incident opens
 * or its severity rises; none for an update at the same severity (no repeat alerts). Digest routes
 * queue theirs for the next digest time after `now`. Affected-user routes queue one email to the
 * user named by the incident's key when it opens.
 */
export function planNotifications(
  change: NotifiableChange,
  routes: readonly Route[],
  now: string,
): Notification[] {
  const { incident } = change;
  const rose =
    change.type === 'updated' &&
    change.previousSeverity !== undefined &&
    compareSeverity(incident.severity, change.previousSeverity) > 0;
  if (change.type !== 'opened' && !rose) return [];
  const snapshot = snapshotOf(incident);
  const planned: Notification[] = [];
  for (const route of routes) {
    if (route.audience === 'affected_user') {
      const user = incident.key['user.name'];
      if (change.type !== 'opened' || user === undefined || !routeTakes(route, incident, false)) continue;
      planned.push(
        draft({
          incident,
          channel: route.channel,
          recipient: `${AFFECTED_USER_PREFIX}${user}`,
          step: 'affected_user',
          subject: 'New sign-in to your account',
          body: `A sign-in to your account (${user}) came from an address not seen for you before.`,
          payload: { template: 'affected_user', incident: snapshot, user },
          now,
        }),
      );
      continue;
    }
    if (!routeTakes(route, incident, true)) continue;
    const dueAt = route.digest
      ? nextClockTime(Date.parse(now), route.digest.at, route.digest.timezone)
      : undefined;
    for (const recipient of route.recipients) {
      planned.push(
        draft({
          incident,
          channel: route.channel,
          recipient,
          step: incident.severity,
          subject: formatSubject(incident),
          body: formatBody(incident),
          payload: { template: 'incident', incident: snapshot },
          now,
          ...(dueAt === undefined ? {} : { dueAt, foldKey: `${DIGEST_KEY}${new Date(dueAt).toISOString()}` }),
        }),
      );
    }
  }
  return planned;
}

/**
 * The security team's notifications for a user's "this wasn't me": the team routes that take the
 * incident (as raised) at once, digests ignored; if none does, every team route without a digest.
 * `incident` is the incident with its raised severity.
 */
export function planUserReport(
  incident: Incident,
  routes: readonly Route[],
  report: { user: string; reportedAt: string },
): Notification[] {
  const team = routes.filter((route) => route.audience !== 'affected_user');
  let chosen = team.filter((route) => routeTakes(route, incident, true));
  if (chosen.length === 0) chosen = team.filter((route) => !route.digest);
  const subject = `[${incident.severity}] ${report.user} says "this wasn't me": ${incident.kind}`;
  const body = [
    `${report.user} reported ${incident.kind} ${formatKey(incident.key)} as not them at ${report.reportedAt}.`,
    formatBody(incident),
  ].join('\n');
  const seen = new Set<string>();
  const planned: Notification[] = [];
  for (const route of chosen) {
    for (const recipient of route.recipients) {
      const notification = draft({
        incident,
        channel: route.channel,
        recipient,
        step: 'reported',
        subject,
        body,
        payload: {
          template: 'user_report',
          incident: snapshotOf(incident),
          user: report.user,
          reported_at: report.reportedAt,
        },
        now: report.reportedAt,
      });
      if (seen.has(notification.id)) continue;
      seen.add(notification.id);
      planned.push(notification);
    }
  }
  return planned;
}
