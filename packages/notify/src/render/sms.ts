import type { Notification } from '@bulwark/schemas';
import type { Content } from '../port.js';
import { keyValues, severityCounts } from './format.js';
import { gsm7Length, SMS_SEGMENT, toGsm7, truncateGsm7 } from './gsm7.js';
import type { Links } from './links.js';

/**
 * `head`, the squeezable `middle`, and `tail` (the link), fitted into one GSM-7 segment by
 * shortening the middle when it can be done; longer text is sent as it is (several segments).
 */
function fit(head: string, middle: string, tail: string): string {
  const safeHead = toGsm7(head);
  const safeMiddle = toGsm7(middle);
  const safeTail = toGsm7(tail);
  const whole = [safeHead, safeMiddle, safeTail].filter(Boolean).join(' ');
  if (gsm7Length(whole) <= SMS_SEGMENT) return whole;
  const room = SMS_SEGMENT - gsm7Length(safeHead) - gsm7Length(safeTail) - 2;
  if (room < 12) return whole;
  return [safeHead, truncateGsm7(safeMiddle, room), safeTail].filter(Boolean).join(' ');
}

/**
 * The SMS text: kind, key, count, severity and a short link, in GSM-7, within 160 characters
 * where the key allows. Rendered from the row alone (its snapshot), so the same row always gives
 * the same text: reconciliation looks for exactly this body at the provider.
 */
export function renderSms(notification: Notification, links: Links): Content {
  const payload = notification.payload;
  const severity = notification.severity.toUpperCase();
  let text: string;
  switch (payload?.template) {
    case 'incident':
    case 'affected_user': {
      const { incident } = payload;
      text = fit(
        `Bulwark ${severity} ${incident.kind}`,
        `${keyValues(incident.key)} ${incident.count}x`,
        links.shortUrl(notification.incident_id),
      );
      break;
    }
    case 'user_report':
      text = fit(
        `Bulwark ${severity} ${payload.incident.kind}:`,
        `${payload.user} says not them`,
        links.shortUrl(notification.incident_id),
      );
      break;
    case 'summary': {
      const counts = severityCounts(payload.items.map((item) => item.severity));
      const what = payload.reason === 'digest' ? 'in the daily digest' : 'more (SMS limit reached)';
      text = fit(`Bulwark: ${payload.items.length} incidents ${what}:`, counts, links.incidentsUrl());
      break;
    }
    default:
      text = fit('Bulwark', notification.subject, links.shortUrl(notification.incident_id));
  }
  return { subject: notification.subject, text };
}
