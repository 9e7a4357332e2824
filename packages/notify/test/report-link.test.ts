import { problems, reportLink } from '@bulwark/api';
import {
  createNotify,
  NotifyPolicySchema,
  type NotifySetup,
  planNotifications,
  shortRef,
} from '@bulwark/notify';
import type { Incident, Notification } from '@bulwark/schemas';
import { SqliteStore } from '@bulwark/store';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { event, incident, LINK_SECRET, removeTempDirs, SILENT, tempDir } from './support/fixtures.js';
import { outbound } from './support/outbound.js';
import { SmtpPeer } from './support/smtp-peer.js';

const SMTP_LOGIN = { user: 'alerts@example.com', pass: 'smtp-password' };
const T0 = Date.parse('2026-11-21T10:06:00Z');
const DAY = 86_400_000;

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  removeTempDirs();
});

interface World {
  store: SqliteStore;
  smtp: SmtpPeer;
  notify: NotifySetup;
  login: Incident;
  clock: { now: number };
  reported: number;
  app: FastifyInstance;
}

async function world(): Promise<World> {
  const clock = { now: T0 };
  const smtp = await SmtpPeer.start({ credentials: SMTP_LOGIN });
  cleanups.push(() => smtp.close());
  const store = new SqliteStore({ dataDir: tempDir('bulwark-report-') });
  cleanups.push(() => store.close());
  const notify = createNotify(
    NotifyPolicySchema.parse({
      public_url: 'https://bulwark.example.com',
      timezone: 'Europe/Berlin',
      email: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        username: SMTP_LOGIN.user,
        from: 'Bulwark <alerts@example.com>',
        ca_file: '/test/ca.pem',
      },
      routes: [{ channel: 'email', to: ['security@example.com'], severities: ['high', 'critical'] }],
      affected_user: { link_ttl: '7d' },
    }),
    { smtpPassword: SMTP_LOGIN.pass, linkSecret: LINK_SECRET },
    { log: SILENT, now: () => clock.now, readFile: () => Buffer.from(smtp.ca) },
  );
  const signIn = event('ev-login', {
    '@timestamp': '2026-11-21T10:04:00.000Z',
    'event.dataset': 'app',
    'event.action': 'login',
    'event.outcome': 'success',
    'bulwark.category': 'successful_login',
    'source.ip': '198.51.100.23',
    'user.name': 'alice',
    'user.email': 'alice@example.com',
    message: '{"event":"login","user":"alice"}',
  });
  await store.appendEvents([signIn]);
  const login = incident({
    kind: 'new_ip_login',
    severity: 'medium',
    key: { 'user.name': 'alice' },
    count: 1,
    summary: 'alice logged in from 198.51.100.23, an address never seen for alice',
    rule: 'new_ip_login',
    evidence: ['ev-login'],
    last_seen: '2026-11-21T10:04:00.000Z',
  });
  await store.commitEvaluation({
    consumer: 'test',
    checkpoint: 1,
    incidents: [login],
    resolved: [],
    notifications: planNotifications(
      { type: 'opened', incident: login },
      notify.routes,
      new Date(T0).toISOString(),
    ),
  });
  const state = { reported: 0 };
  const app = Fastify();
  await app.register(problems);
  await app.register(rateLimit, { max: 1000, timeWindow: 60_000 });
  await app.register(reportLink, {
    store,
    reports: notify.reports as NonNullable<NotifySetup['reports']>,
    now: () => clock.now,
    onReported: () => {
      state.reported += 1;
    },
    rateLimit: { max: 8, timeWindow: 60_000 },
  });
  cleanups.push(() => app.close());
  return {
    store,
    smtp,
    notify,
    login,
    clock,
    app,
    get reported() {
      return state.reported;
    },
  };
}

/** Sends one outbox row the way the notify stage does (compose, then the email adapter). */
async function deliver(w: World, row: Notification): Promise<void> {
  const composed = await w.notify.composer.compose({
    notification: row,
    incident: await w.store.getIncident(row.incident_id),
    nowMs: w.clock.now,
  });
  if (!composed.ok) throw new Error(composed.error);
  const email = w.notify.notifiers.find((notifier) => notifier.channel === 'email');
  const result = await email?.send(outbound(row, composed.content, { address: composed.address }));
  expect(result?.ok).toBe(true);
}

async function linkFromEmail(w: World): Promise<string> {
  const [userRow] = (await w.store.dueNotifications(w.clock.now, 10)).filter(
    (row) => row.recipient === 'user:alice',
  );
  expect(userRow).toBeDefined();
  await deliver(w, userRow as Notification);
  const [mail] = await w.smtp.waitForMails(1);
  expect(mail?.envelope.to).toEqual(['alice@example.com']);
  expect(mail?.parsed.subject).toBe('New sign-in to your account from 198.51.100.23');
  expect(mail?.parsed.text).toContain('When:    2026-11-21 11:04 (Europe/Berlin)');
  expect(mail?.parsed.text).toContain('Address: 198.51.100.23');
  const url = /https:\/\/bulwark\.example\.com(\/v1\/report\/\S+)/.exec(mail?.parsed.text ?? '')?.[1];
  expect(url).toBeDefined();
  expect(mail?.parsed.html).toContain(`href="https://bulwark.example.com${url}"`);
  return url as string;
}

const HTML = { accept: 'text/html,application/xhtml+xml' };

describe('the "this wasn\'t me" link, end to end', () => {
  it('goes from the email at the SMTP server to a reported, raised incident and a queued team alert', async () => {
    const w = await world();
    const link = await linkFromEmail(w);

    // Following the link shows what will be reported and changes nothing (link scanners follow links).
    const page = await w.app.inject({ method: 'GET', url: link, headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain("This wasn't me</button>");
    expect(page.body).toContain(`<form method="post" action="${link}">`);
    expect(await w.store.incidentReport(w.login.id)).toBeNull();

    // The button.
    const done = await w.app.inject({
      method: 'POST',
      url: link,
      headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('We have told the security team');
    expect(w.reported).toBe(1);
    expect(await w.store.incidentReport(w.login.id)).toEqual({
      reportedAt: new Date(T0).toISOString(),
      reportedBy: 'alice',
    });
    expect((await w.store.getIncident(w.login.id))?.severity).toBe('high');
    const team = (await w.store.listNotifications(w.login.id)).filter(
      (row) => row.payload?.template === 'user_report',
    );
    expect(team).toEqual([
      expect.objectContaining({
        channel: 'email',
        recipient: 'security@example.com',
        severity: 'high',
        status: 'pending',
        subject: '[high] alice says "this wasn\'t me": new_ip_login',
      }),
    ]);

    // Idempotent: again, and as JSON.
    const again = await w.app.inject({ method: 'POST', url: link, headers: { accept: 'application/json' } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      reported: true,
      already_reported: true,
      severity: 'high',
      user: 'alice',
    });
    expect(w.reported).toBe(1);
    expect(
      (await w.store.listNotifications(w.login.id)).filter((row) => row.payload?.template === 'user_report'),
    ).toHaveLength(1);
    const after = await w.app.inject({ method: 'GET', url: link, headers: HTML });
    expect(after.body).toContain('Already reported');

    // The team's alert is an ordinary outbox row: it goes out like any other.
    await deliver(w, team[0] as Notification);
    const mails = await w.smtp.waitForMails(2);
    expect(mails[1]?.envelope.to).toEqual(['security@example.com']);
    expect(mails[1]?.parsed.text).toContain(
      'alice reported at 2026-11-21 10:06:00 UTC that this sign-in was not them',
    );
  });

  it('refuses a tampered or expired link with a clear page, or problem+json', async () => {
    const w = await world();
    const link = await linkFromEmail(w);
    const tampered = `${link.slice(0, -3)}${link.endsWith('A') ? 'B' : 'A'}AA`;
    const page = await w.app.inject({ method: 'GET', url: tampered, headers: HTML });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('<h1>Link not valid</h1>');
    const problem = await w.app.inject({
      method: 'POST',
      url: tampered,
      headers: { accept: 'application/json' },
    });
    expect(problem.statusCode).toBe(400);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problem.json()).toMatchObject({ code: 'BWK_ERR_BAD_REQUEST', reason: 'invalid', status: 400 });

    w.clock.now = T0 + 7 * DAY;
    const expired = await w.app.inject({ method: 'POST', url: link, headers: HTML });
    expect(expired.statusCode).toBe(400);
    expect(expired.body).toContain('<h1>Link expired</h1>');
    const expiredJson = await w.app.inject({ method: 'GET', url: link });
    expect(expiredJson.json()).toMatchObject({ code: 'BWK_ERR_BAD_REQUEST', reason: 'expired' });
    expect(await w.store.incidentReport(w.login.id)).toBeNull();
    expect((await w.store.getIncident(w.login.id))?.severity).toBe('medium');
  });

  it('is rate-limited by the app, and redirects short SMS links to the incident', async () => {
    const w = await world();
    const redirect = await w.app.inject({ method: 'GET', url: `/i/${shortRef(w.login.id)}` });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe(`/v1/incidents/${w.login.id}`);
    expect((await w.app.inject({ method: 'GET', url: '/i/..%2F' })).statusCode).toBe(404);
    const statuses: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      statuses.push(
        (await w.app.inject({ method: 'GET', url: '/v1/report/nonsense', headers: HTML })).statusCode,
      );
    }
    // 8 a minute per route and client, as configured.
    expect(statuses).toEqual([...Array(8).fill(400), 429]);
  });
});
