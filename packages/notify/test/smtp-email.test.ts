import { createComposer, LinkSigner, Links, SmtpEmailNotifier } from '@bulwark/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { event, incident, LINK_SECRET, notification } from './support/fixtures.js';
import { outbound } from './support/outbound.js';
import { SmtpPeer } from './support/smtp-peer.js';

const CREDENTIALS = { user: 'alerts@example.com', pass: 'smtp-password' };
const peers: SmtpPeer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) await peer.close();
});

async function peer(options: Parameters<typeof SmtpPeer.start>[0] = {}): Promise<SmtpPeer> {
  const started = await SmtpPeer.start({ credentials: CREDENTIALS, ...options });
  peers.push(started);
  return started;
}

function notifier(
  smtp: SmtpPeer,
  overrides: Partial<ConstructorParameters<typeof SmtpEmailNotifier>[0]> = {},
) {
  return new SmtpEmailNotifier({
    host: '127.0.0.1',
    port: smtp.port,
    security: 'starttls',
    username: CREDENTIALS.user,
    password: CREDENTIALS.pass,
    from: 'Bulwark <alerts@example.com>',
    tls: { ca: smtp.ca, servername: 'localhost' },
    timeoutMs: 5_000,
    ...overrides,
  });
}

const composer = createComposer({
  links: new Links({ publicUrl: 'https://bulwark.example.com', signer: new LinkSigner(LINK_SECRET) }),
  timezone: 'Europe/Berlin',
});

describe('SmtpEmailNotifier against a real SMTP server', () => {
  it('sends over STARTTLS with AUTH: recipients, subject, text and HTML with the evidence table', async () => {
    const smtp = await peer();
    const row = notification();
    const stored = {
      ...incident(),
      evidence_events: [event('ev-1', { '@timestamp': '2026-11-21T10:00:00.000Z' }), event('ev-2')],
    };
    const composed = await composer.compose({
      notification: row,
      incident: stored,
      nowMs: Date.parse('2026-11-21T10:06:00Z'),
    });
    if (!composed.ok) throw new Error(composed.error);
    const message = outbound(row, composed.content, { address: composed.address });
    const result = await notifier(smtp).send(message);

    expect(result).toEqual({ ok: true, providerId: `<${row.id}@example.com>` });
    expect(message.commits).toBe(1);
    const [mail] = await smtp.waitForMails(1);
    expect(mail?.secure).toBe(true);
    expect(mail?.user).toBe(CREDENTIALS.user);
    expect(mail?.envelope).toEqual({ from: 'alerts@example.com', to: ['security@example.com'] });
    const parsed = mail?.parsed;
    expect(parsed?.messageId).toBe(`<${row.id}@example.com>`);
    expect(parsed?.subject).toBe('[high] brute_force source.ip=203.0.113.7 (152 events)');
    expect(parsed?.from?.value).toEqual([{ address: 'alerts@example.com', name: 'Bulwark' }]);
    expect(parsed?.headers.get('x-bulwark-incident')).toBe(row.incident_id);
    expect(parsed?.text).toContain('152 failed logins from 203.0.113.7 in 5 minutes');
    expect(parsed?.text).toContain('Severity:   high');
    expect(parsed?.text).toContain('Key:        source.ip=203.0.113.7');
    expect(parsed?.text).toContain('Events:     152');
    expect(parsed?.text).toContain(`https://bulwark.example.com/v1/incidents/${row.incident_id}`);
    expect(parsed?.text).toContain('Evidence (newest 2 of 152 events)');
    const html = parsed?.html || '';
    expect(html).toContain('<table');
    expect(html).toContain(
      '<th style="border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top">source.ip</th>',
    );
    expect(html).toContain('Failed password for root from 203.0.113.7 port 50022 ssh2 (ev-1)');
    expect(html).toContain(`href="https://bulwark.example.com/v1/incidents/${row.incident_id}"`);
  });

  it('sends over implicit TLS', async () => {
    const smtp = await peer({ implicitTls: true });
    const result = await notifier(smtp, { security: 'tls' }).send(
      outbound(notification(), { subject: 'hello', text: 'plain text only' }),
    );
    expect(result.ok).toBe(true);
    const [mail] = await smtp.waitForMails(1);
    expect(mail?.secure).toBe(true);
    expect(mail?.parsed.text?.trim()).toBe('plain text only');
  });

  it('commits only once the server took the envelope, and ends the data only after the commit', async () => {
    const smtp = await peer();
    const seenAtCommit: string[][] = [];
    const message = outbound(
      notification(),
      { subject: 's', text: 't' },
      {
        commit: async () => {
          seenAtCommit.push([...smtp.events]);
        },
      },
    );
    expect((await notifier(smtp).send(message)).ok).toBe(true);
    expect(seenAtCommit).toEqual([['MAIL', 'RCPT', 'DATA']]);
    expect(smtp.events).toEqual(['MAIL', 'RCPT', 'DATA', 'END']);
  });

  it('delivers nothing when the commit cannot be recorded', async () => {
    const smtp = await peer();
    const message = outbound(
      notification(),
      { subject: 's', text: 't' },
      {
        commit: async () => {
          throw new Error('disk full');
        },
      },
    );
    const result = await notifier(smtp).send(message);
    expect(result).toMatchObject({ ok: false, retryable: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.mails).toHaveLength(0);
    expect(smtp.events).not.toContain('END');
  });

  it('translates SMTP replies: 4xx retryable, 5xx permanent, bad credentials permanent', async () => {
    const smtp = await peer();
    smtp.replies.push({ code: 451, message: 'try again later' }, { code: 554, message: 'rejected as spam' });
    const send = () => notifier(smtp).send(outbound(notification(), { subject: 's', text: 't' }));
    expect(await send()).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining('SMTP 451'),
    });
    expect(await send()).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining('SMTP 554'),
    });
    const unknown = await notifier(smtp).send(
      outbound(notification({ recipient: 'nobody@example.com' }), { subject: 's', text: 't' }),
    );
    expect(unknown).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining('550') });
    const wrongPassword = await notifier(smtp, { password: 'wrong' }).send(
      outbound(notification(), { subject: 's', text: 't' }),
    );
    expect(wrongPassword).toMatchObject({ ok: false, retryable: false });
    expect(smtp.mails).toHaveLength(0);
  });

  it('refuses a server whose certificate it cannot verify, permanently', async () => {
    const smtp = await peer();
    const result = await notifier(smtp, { tls: { servername: 'localhost' } }).send(
      outbound(notification(), { subject: 's', text: 't' }),
    );
    expect(result).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining('not trusted'),
    });
    expect(smtp.mails).toHaveLength(0);
  });

  it('reports an unreachable server as retryable', async () => {
    const smtp = await peer();
    const port = smtp.port;
    await smtp.close();
    peers.splice(0);
    const result = await new SmtpEmailNotifier({
      host: '127.0.0.1',
      port,
      security: 'starttls',
      from: 'alerts@example.com',
      timeoutMs: 2_000,
    }).send(outbound(notification(), { subject: 's', text: 't' }));
    expect(result).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining('SMTP connection failed'),
    });
  });
});
