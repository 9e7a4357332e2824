import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Incident } from '@bulwark/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_SID, AUTH_TOKEN, LINK_SECRET } from '../../packages/notify/test/support/fixtures.js';
import { SmtpPeer } from '../../packages/notify/test/support/smtp-peer.js';
import { TwilioPeer } from '../../packages/notify/test/support/twilio-peer.js';
import {
  eventually,
  FIXTURES,
  getJson,
  type RunningProcess,
  removeDir,
  ship,
  startService,
  stopService,
  tempDir,
} from '../support/service.js';

const SMTP_USER = 'alerts';
const SMTP_PASSWORD = 'smtp-password-for-the-e2e-test';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The standalone service sending real SMTP mail (STARTTLS, AUTH) and real twilio SDK calls for the
 * incidents of the sample corpus, and the affected user's "this wasn't me" link, end to end.
 */
describe('notifications from the standalone service', () => {
  let dir: string;
  let smtp: SmtpPeer;
  let twilio: TwilioPeer;
  let service: RunningProcess;

  beforeAll(async () => {
    dir = tempDir('notify');
    smtp = await SmtpPeer.start({ credentials: { user: SMTP_USER, pass: SMTP_PASSWORD } });
    twilio = await TwilioPeer.start(ACCOUNT_SID, AUTH_TOKEN);
    const httpPort = await freePort();
    writeFileSync(path.join(dir, 'ca.pem'), smtp.ca);
    writeFileSync(
      path.join(dir, 'bulwark.yaml'),
      [
        'notify:',
        `  public_url: http://127.0.0.1:${httpPort}`,
        `  email: { host: 127.0.0.1, port: ${smtp.port}, security: starttls, username: ${SMTP_USER}, from: "Bulwark <alerts@example.com>", ca_file: ca.pem }`,
        `  sms: { account_sid: ${ACCOUNT_SID}, from: "+15005550006", api_url: "${twilio.url}" }`,
        '  routes:',
        '    - { channel: sms, to: ["+15551230001"], severities: [high, critical] }',
        '    - { channel: email, to: [security@example.com] }',
        '  affected_user:',
        '    link_ttl: 7d',
        '    directory: { map: { erin4: erin@example.com, frank5: frank@example.com } }',
      ].join('\n'),
    );
    service = await startService(dir, {
      BULWARK_HTTP_PORT: String(httpPort),
      BULWARK_CONFIG: path.join(dir, 'bulwark.yaml'),
      BULWARK_SMTP_PASSWORD: SMTP_PASSWORD,
      BULWARK_TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      BULWARK_LINK_SECRET: LINK_SECRET,
    });
    const response = await ship(service.url, readFileSync(path.join(FIXTURES, 'scenarios-sample/all.lines')));
    expect(response.status).toBe(202);
  });

  afterAll(async () => {
    await stopService(service);
    await smtp.close();
    await twilio.close();
    removeDir(dir);
  });

  it('emails the security team once per incident and texts the on-call phone for high and critical', async () => {
    const incidents = await eventually(async () => {
      const page = await getJson<{ items: Incident[] }>(service.url, '/v1/incidents?limit=500');
      return page.items.length >= 19 ? page.items : undefined;
    });
    const team = await eventually(async () => {
      const mails = smtp.mails.filter((mail) => mail.envelope.to.includes('security@example.com'));
      return mails.length >= incidents.length ? mails : undefined;
    }, 20_000);
    // Exactly once: one mail per incident (and severity), never two.
    const subjects = team.map((mail) => mail.parsed.subject ?? '');
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const mail of team) {
      expect(mail.secure).toBe(true);
      expect(mail.user).toBe(SMTP_USER);
      expect(mail.parsed.text).toBeTruthy();
      expect(typeof mail.parsed.html).toBe('string');
    }
    const compromise = incidents.find((incident) => incident.kind === 'compromise_after_brute_force');
    expect(compromise).toBeDefined();
    const highs = incidents.filter(
      (incident) => incident.severity === 'high' || incident.severity === 'critical',
    );
    // Texts go out one by one as the outbox drains: wait for all of them, not just the first ones.
    const texts = await eventually(async () => {
      const sent = twilio.messages.filter((message) => message.to === '+15551230001');
      const done = sent.some((message) => message.body.includes('compromise')) && sent.length >= highs.length;
      return done ? sent : undefined;
    }, 20_000);
    for (const request of twilio.requests.filter((r) => r.method === 'POST')) {
      expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
      expect(request.authorization).toBe(
        `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
      );
      expect(request.form).toMatchObject({ To: '+15551230001', From: '+15005550006' });
    }
    for (const message of texts) expect(message.body.length).toBeLessThanOrEqual(160);
    expect(texts.length).toBeGreaterThanOrEqual(highs.length);
  });

  it("tells the affected user, whose 'this wasn't me' link reports the incident and raises it", async () => {
    const [userMail] = await eventually(async () => {
      const mails = smtp.mails.filter((mail) => mail.envelope.to.includes('erin@example.com'));
      return mails.length > 0 ? mails : undefined;
    }, 20_000);
    const link = /http:\/\/127\.0\.0\.1:\d+\/v1\/report\/[A-Za-z0-9_.~-]+/.exec(
      userMail?.parsed.text ?? '',
    )?.[0];
    expect(link, userMail?.parsed.text).toBeDefined();

    const page = await fetch(link as string, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const pageText = await page.text();
    expect(pageText, pageText).toMatch(/Was this sign-in not you/);

    const before = smtp.mails.length;
    const reported = await fetch(link as string, { method: 'POST', headers: { accept: 'application/json' } });
    expect(reported.status, await reported.clone().text()).toBe(200);
    const body = (await reported.json()) as { incident_id: string; reported: boolean; severity: string };
    expect(body).toMatchObject({ reported: true, severity: 'high' });

    const incident = await getJson<Incident>(service.url, `/v1/incidents/${body.incident_id}`);
    expect(incident).toMatchObject({ kind: 'new_ip_login', key: { 'user.name': 'erin4' }, severity: 'high' });
    // The security team hears of it.
    await eventually(async () => (smtp.mails.length > before ? true : undefined), 20_000);
    const again = await fetch(link as string, { method: 'POST', headers: { accept: 'application/json' } });
    expect(((await again.json()) as { already_reported: boolean }).already_reported).toBe(true);
  });
});
