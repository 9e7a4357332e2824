import type { IncidentWithEvidence, Notification } from '@bulwark/schemas';
import type { Directory } from '../directory/directory.js';
import { AFFECTED_USER_PREFIX } from '../plan.js';
import type { Content } from '../port.js';
import { renderEmail } from './email.js';
import type { Links } from './links.js';
import { renderSms } from './sms.js';
import { renderWebhook } from './webhook.js';

export interface ComposeInput {
  notification: Notification;
  /** The incident as stored now, with evidence; null for summaries. */
  incident: IncidentWithEvidence | null;
  nowMs: number;
}

export type Composed =
  | { ok: true; address: string; content: Content }
  | { ok: false; retryable: boolean; error: string };

/** Turns an outbox row into what goes on the wire, and finds the address. */
export interface Composer {
  compose(input: ComposeInput): Promise<Composed>;
}

/** The row as it is: its subject and body, to its recipient. What tests and the console use. */
export const plainComposer: Composer = {
  async compose({ notification }) {
    return {
      ok: true,
      address: notification.recipient,
      content: { subject: notification.subject, text: notification.body },
    };
  },
};

export interface ComposerOptions {
  links: Links;
  /** Zone for times shown to people. */
  timezone: string;
  /** Where affected users' addresses come from when the events carry none. */
  directory?: Directory;
}

/** The newest `user.email` the incident's events give for the user. */
function emailFromEvents(incident: IncidentWithEvidence | null, user: string): string | undefined {
  if (!incident) return undefined;
  const events = incident.evidence_events
    .filter((event) => event['user.name'] === user && event['user.email'])
    .sort((a, b) => Date.parse(b['@timestamp']) - Date.parse(a['@timestamp']));
  return events[0]?.['user.email'];
}

/**
 * Renders per channel (email: text and HTML; SMS: one GSM-7 segment; webhook: JSON; console:
 * subject and body) and resolves affected users' addresses: `user.email` from the incident's
 * events first, then the directory. A user with no address fails permanently; a directory that
 * cannot answer now fails retryably.
 */
export function createComposer(options: ComposerOptions): Composer {
  const { links, timezone } = options;
  async function addressOf(notification: Notification, incident: IncidentWithEvidence | null) {
    if (!notification.recipient.startsWith(AFFECTED_USER_PREFIX)) {
      return { ok: true as const, address: notification.recipient };
    }
    const user = notification.recipient.slice(AFFECTED_USER_PREFIX.length);
    const fromEvents = emailFromEvents(incident, user);
    if (fromEvents) return { ok: true as const, address: fromEvents };
    const found = options.directory ? await options.directory.lookup(user) : { state: 'missing' as const };
    if (found.state === 'found') return { ok: true as const, address: found.email };
    if (found.state === 'unavailable') return { ok: false as const, retryable: true, error: found.error };
    return {
      ok: false as const,
      retryable: false,
      error: `no email address for user ${user} (no user.email in the events, not in the directory)`,
    };
  }
  return {
    async compose({ notification, incident, nowMs }) {
      const address = await addressOf(notification, incident);
      if (!address.ok) return address;
      switch (notification.channel) {
        case 'email':
          return {
            ok: true,
            address: address.address,
            content: renderEmail(notification, { links, timezone, nowMs, incident }),
          };
        case 'sms':
          return { ok: true, address: address.address, content: renderSms(notification, links) };
        case 'webhook':
          return { ok: true, address: address.address, content: renderWebhook(notification, links) };
        default:
          return {
            ok: true,
            address: address.address,
            content: { subject: notification.subject, text: notification.body },
          };
      }
    },
  };
}
