import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { DeliveryResult, Notifier, Outbound, Reconciled } from '../port.js';
import { translateSmtpError } from './smtp-errors.js';

export interface SmtpEmailOptions {
  host: string;
  /** Default by `security`: 465 for `tls`, 587 for `starttls`, 25 for `none`. */
  port?: number;
  /**
   * `tls`: implicit TLS from the first byte (port 465). `starttls`: plain connect, then STARTTLS,
   * which the server must offer. `none`: no TLS at all (a relay on localhost).
   */
  security: 'tls' | 'starttls' | 'none';
  username?: string;
  /** From the environment (BULWARK_SMTP_PASSWORD), never from the config file. */
  password?: string;
  /** Header From, e.g. `Bulwark <alerts@example.com>`; its address is the envelope sender. */
  from: string;
  replyTo?: string;
  /** Connect, greeting and idle-socket timeout. */
  timeoutMs?: number;
  /** Extra TLS settings: a private CA (PEM), or the name the certificate must carry. */
  tls?: { ca?: string | Buffer; servername?: string; rejectUnauthorized?: boolean };
  /** Host name announced in EHLO; the machine's name by default. */
  name?: string;
  /** Right-hand side of Message-IDs; the domain of `from` by default. */
  messageIdDomain?: string;
}

const DEFAULT_PORTS = { tls: 465, starttls: 587, none: 25 } as const;

interface BuiltMessage {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  messageId: string;
}

/**
 * A readable of `raw` that ends only after `commit` resolved. SMTP ends the data with a line
 * holding a dot; nodemailer writes it when this stream ends, so the server cannot accept the
 * message before the commit is durable, and a commit that fails leaves it unaccepted.
 */
function endAfterCommit(raw: Buffer, commit: () => Promise<void>): Readable {
  let pushed = false;
  let ending = false;
  return new Readable({
    read() {
      if (!pushed) {
        pushed = true;
        this.push(raw);
        return;
      }
      if (ending) return;
      ending = true;
      commit().then(
        () => this.push(null),
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
}

/**
 * Email over SMTP with nodemailer's SMTP connection: one connection per message (alerts are few,
 * and a fresh connection never inherits a broken session), text and HTML parts, a Message-ID made
 * from the notification id so a repeat after a broken connection is recognisable as the same mail.
 *
 * Never twice: the message is handed over whole except its end-of-data line, then the commit is
 * recorded, then the end-of-data line is sent. A crash before the commit leaves a transaction the
 * server discards; after it, the server has everything, so `reconcile` reports it delivered.
 */
export class SmtpEmailNotifier implements Notifier {
  readonly channel = 'email' as const;
  private readonly connections = new Set<SMTPConnection>();
  private readonly messageIdDomain: string;

  constructor(private readonly options: SmtpEmailOptions) {
    if (options.username !== undefined && !options.password) {
      throw new Error('SMTP username given without a password (set BULWARK_SMTP_PASSWORD)');
    }
    this.messageIdDomain = options.messageIdDomain ?? domainOf(options.from) ?? 'bulwark.invalid';
  }

  async send(message: Outbound): Promise<DeliveryResult> {
    let built: BuiltMessage;
    try {
      built = await this.build(message);
    } catch (error) {
      return { ok: false, retryable: false, error: `cannot build the email: ${(error as Error).message}` };
    }
    if (built.envelope.to.length === 0) {
      return { ok: false, retryable: false, error: `not an email address: ${message.address}` };
    }
    try {
      await this.transmit(built, () => message.commit());
      return { ok: true, providerId: built.messageId };
    } catch (error) {
      return translateSmtpError(error);
    }
  }

  /**
   * An attempt that reached its commit had handed the server everything but the end-of-data line,
   * written right after the commit: the mail is taken as delivered. (SMTP offers no way to ask.)
   */
  async reconcile(): Promise<Reconciled> {
    return {
      state: 'delivered',
      note: 'assumed delivered: the whole message had been handed to the SMTP server before the stop',
    };
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    this.connections.clear();
  }

  private async build(message: Outbound): Promise<BuiltMessage> {
    const messageId = `<${message.id}@${this.messageIdDomain}>`;
    const node = new MailComposer({
      from: this.options.from,
      to: message.address,
      ...(this.options.replyTo ? { replyTo: this.options.replyTo } : {}),
      subject: message.content.subject,
      text: message.content.text,
      ...(message.content.html ? { html: message.content.html } : {}),
      messageId,
      headers: {
        'X-Bulwark-Notification': message.id,
        ...(message.incident_id ? { 'X-Bulwark-Incident': message.incident_id } : {}),
        'Auto-Submitted': 'auto-generated',
      },
    }).compile();
    const envelope = node.getEnvelope();
    const raw = await node.build();
    return {
      envelope: { from: envelope.from || '', to: envelope.to ?? [] },
      raw,
      messageId,
    };
  }

  private transmit(built: BuiltMessage, commit: () => Promise<void>): Promise<void> {
    const { options } = this;
    const timeout = options.timeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      const connection = new SMTPConnection({
        host: options.host,
        port: options.port ?? DEFAULT_PORTS[options.security],
        secure: options.security === 'tls',
        requireTLS: options.security === 'starttls',
        ignoreTLS: options.security === 'none',
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        ...(options.name ? { name: options.name } : {}),
        ...(options.tls ? { tls: { ...options.tls } } : {}),
        logger: false,
      });
      this.connections.add(connection);
      let settled = false;
      const finish = (error?: Error | null) => {
        if (settled) return;
        settled = true;
        this.connections.delete(connection);
        if (error) {
          connection.close();
          reject(error);
        } else {
          connection.quit();
          resolve();
        }
      };
      connection.once('error', (error: Error) => finish(error));
      connection.once('end', () =>
        finish(Object.assign(new Error('the server closed the connection'), { code: 'ECONNECTION' })),
      );
      connection.connect((error) => {
        if (error) return finish(error);
        const sendMessage = () =>
          connection.send(built.envelope, endAfterCommit(built.raw, commit), (sendError) =>
            finish(sendError),
          );
        if (options.username === undefined) return sendMessage();
        connection.login({ user: options.username, pass: options.password as string }, (loginError) =>
          loginError ? finish(loginError) : sendMessage(),
        );
      });
    });
  }
}

function domainOf(from: string): string | undefined {
  const match = /@([^\s>]+)>?\s*$/.exec(from);
  return match?.[1];
}
