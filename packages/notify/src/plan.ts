import { createHash } from 'node:crypto';
import {
  type Channel,
  compareSeverity,
  type Incident,
  type Notification,
  type Severity,
} from '@bulwark/schemas';

/** Where notifications go: each channel with its recipients. */
export interface Route {
  channel: Channel;
  recipients: string[];
}

/** The idempotency key of a notification: one per incident, channel, recipient and severity step. */
export function notificationId(
  incidentId: string,
  channel: Channel,
  recipient: string,
  severity: Severity,
): string {
  const digest = createHash('sha256')
    .update(`${incidentId}\n${channel}\n${recipient}\n${severity}`)
    .digest('hex');
  return `ntf_${digest.slice(0, 24)}`;
}

/** What an incident change means for notification: a new incident, or one whose severity rose. */
export interface NotifiableChange {
  type: 'opened' | 'updated' | 'closed';
  incident: Incident;
  previousSeverity?: Severity;
}

export function formatSubject(incident: Incident): string {
  const key = Object.entries(incident.key)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  return `[${incident.severity}] ${incident.kind} ${key}`;
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

/**
 * Notifications an incident change calls for: one per route and recipient when an incident opens
 * or its severity rises; none for an update at the same severity (no repeat alerts).
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
  const subject = formatSubject(incident);
  const body = formatBody(incident);
  return routes.flatMap((route) =>
    route.recipients.map((recipient) => ({
      id: notificationId(incident.id, route.channel, recipient, incident.severity),
      incident_id: incident.id,
      channel: route.channel,
      recipient,
      severity: incident.severity,
      subject,
      body,
      status: 'pending' as const,
      attempts: 0,
      last_error: null,
      created_at: now,
      sent_at: null,
    })),
  );
}
