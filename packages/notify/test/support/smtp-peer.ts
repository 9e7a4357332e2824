import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { testCertificate } from './certificate.js';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  user: string | undefined;
  /** Whether the session was encrypted (implicit TLS or STARTTLS) when the mail came. */
  secure: boolean;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpPeerOptions {
  /** Fixed port (to come back up on the same one); a free one by default. */
  port?: number;
  /** Implicit TLS instead of STARTTLS. */
  implicitTls?: boolean;
  /** Accepted credentials; AUTH is required when given. */
  credentials?: { user: string; pass: string };
}

/**
 * A real SMTP server on loopback (npm smtp-server) with STARTTLS on a certificate made for the
 * test and AUTH, keeping every message it accepts parsed by mailparser. Replies can be scripted.
 */
export class SmtpPeer {
  readonly mails: ReceivedMail[] = [];
  /** Commands seen, in order (`MAIL`, `RCPT`, `DATA`, `END`), for ordering checks. */
  readonly events: string[] = [];
  /** Replies for the next messages' end of data, e.g. `{ code: 451, message: 'try later' }`. */
  readonly replies: { code: number; message: string }[] = [];
  private readonly waiters: (() => void)[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    readonly ca: string,
  ) {}

  static async start(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
    const certificate = testCertificate();
    let peer: SmtpPeer | undefined;
    const server = new SMTPServer({
      secure: options.implicitTls === true,
      key: certificate.key,
      cert: certificate.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: options.credentials === undefined,
      logger: false,
      disableReverseLookup: true,
      onAuth(auth, _session, callback) {
        const ok =
          options.credentials !== undefined &&
          auth.username === options.credentials.user &&
          auth.password === options.credentials.pass;
        if (!ok) return callback(new Error('Invalid username or password'));
        callback(null, { user: auth.username });
      },
      onMailFrom(_address, _session, callback) {
        peer?.events.push('MAIL');
        callback();
      },
      onRcptTo(address, _session, callback) {
        peer?.events.push('RCPT');
        if (address.address.startsWith('nobody@')) {
          return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        peer?.events.push('DATA');
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          peer?.events.push('END');
          const scripted = peer?.replies.shift();
          if (scripted) {
            return callback(Object.assign(new Error(scripted.message), { responseCode: scripted.code }));
          }
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (parsed) => {
              peer?.mails.push({
                envelope: {
                  from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                  to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
                },
                user: session.user as string | undefined,
                secure: session.secure,
                raw,
                parsed,
              });
              for (const wake of peer?.waiters.splice(0) ?? []) wake();
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    server.on('error', () => {});
    const port = (server.server.address() as AddressInfo).port;
    peer = new SmtpPeer(server, port, certificate.cert);
    return peer;
  }

  /** Resolves once `count` mails have arrived, or rejects after `timeoutMs`. */
  async waitForMails(count: number, timeoutMs = 5_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.mails.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} mails, got ${this.mails.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.mails;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
