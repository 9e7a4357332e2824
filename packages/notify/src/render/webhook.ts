import type { Notification } from '@bulwark/schemas';
import type { Content } from '../port.js';
import type { Links } from './links.js';

/**
 * The webhook body: what happened (`type`), the notification's id (also sent as the
 * `Bulwark-Delivery` header), and the incident as planned, with its URL. Summaries carry their
 * items. Rendered from the row alone, so every attempt sends the same body.
 */
export function renderWebhook(notification: Notification, links: Links): Content {
  const payload = notification.payload;
  const base = {
    id: notification.id,
    severity: notification.severity,
    created_at: notification.created_at,
  };
  let json: Record<string, unknown>;
  switch (payload?.template) {
    case 'summary':
      json = {
        type: 'summary',
        ...base,
        reason: payload.reason,
        items: payload.items.map((item) => ({ ...item, url: links.incidentUrl(item.incident_id) })),
      };
      break;
    case 'incident':
    case 'affected_user':
    case 'user_report':
      json = {
        type: payload.template,
        ...base,
        incident: {
          id: notification.incident_id,
          url: links.incidentUrl(notification.incident_id),
          ...payload.incident,
        },
        ...(payload.template === 'incident' ? {} : { user: payload.user }),
        ...(payload.template === 'user_report' ? { reported_at: payload.reported_at } : {}),
      };
      break;
    default:
      json = {
        type: 'incident',
        ...base,
        incident: { id: notification.incident_id, url: links.incidentUrl(notification.incident_id) },
        subject: notification.subject,
        body: notification.body,
      };
  }
  return { subject: notification.subject, text: notification.body, json };
}
