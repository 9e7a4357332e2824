import type { Notification } from '@bulwark/schemas';
import type { DeliveryResult, Notifier } from '../port.js';

/** The part of a logger the console notifier needs (pino's Logger fits). */
export interface NotificationLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Development channel: writes each notification to the service log. Never fails. */
export class ConsoleNotifier implements Notifier {
  readonly channel = 'console' as const;

  constructor(private readonly log: NotificationLog) {}

  async send(notification: Notification): Promise<DeliveryResult> {
    this.log.warn(
      {
        notification: notification.id,
        incident: notification.incident_id,
        severity: notification.severity,
        body: notification.body,
      },
      notification.subject,
    );
    return { ok: true };
  }

  async close(): Promise<void> {}
}
