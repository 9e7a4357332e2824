import type { Notification } from '@bulwark/schemas';
import type { DeliveryResult, Notifier, Outbound } from '../port.js';

/** The part of a logger the console notifier needs (pino's Logger fits). */
export interface NotificationLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Development channel: writes each notification to the service log. Never fails. */
export class ConsoleNotifier implements Notifier {
  readonly channel = 'console' as const;

  constructor(private readonly log: NotificationLog) {}

  async send(notification: Outbound | Notification): Promise<DeliveryResult> {
    const content = 'content' in notification ? notification.content : undefined;
    this.log.warn(
      {
        notification: notification.id,
        incident: notification.incident_id,
        severity: notification.severity,
        body: content?.text ?? notification.body,
      },
      content?.subject ?? notification.subject,
    );
    return { ok: true };
  }

  async close(): Promise<void> {}
}
