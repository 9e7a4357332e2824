import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemoryBus } from '@bulwark/bus';
import {
  createNotify,
  type NotifyPolicyInput,
  NotifyPolicySchema,
  type NotifySetup,
  planNotifications,
} from '@bulwark/notify';
import type { Incident, Notification } from '@bulwark/schemas';
import { NotifyStage } from '@bulwark/stages';
import { SqliteStore } from '@bulwark/store';
import { afterEach, describe, expect, it } from 'vitest';
import { testCertificate } from '../../notify/test/support/certificate.js';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  incident,
  incidentIdOf,
  removeTempDirs,
  SILENT,
  tempDir,
} from '../../notify/test/support/fixtures.js';
import { SmtpPeer } from '../../notify/test/support/smtp-peer.js';
import { TwilioPeer } from '../../notify/test/support/twilio-peer.js';
import { WebhookPeer } from '../../notify/test/support/webhook-peer.js';

const SMTP_LOGIN = { user: 'alerts@example.com', pass: 'smtp-password' };
const WEBHOOK_SECRET = 'webhook-secret-0123456789';
const PHONE_1 = '+15551230001';
const PHONE_2 = '+15551230002';
const MAILBOX = 'security@example.com';
const T0 = Date.parse('2026-11-21T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 3_600_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  removeTempDirs();
});

interface Peers {
  smtp: SmtpPeer;
  twilio: TwilioPeer;
  webhook: WebhookPeer;
}

async function startPeers(
  clock: () => number,
  smtpPort?: number,
  startSmtp = true,
): Promise<Peers & { smtpPort: number }> {
  const twilio = await TwilioPeer.start(ACCOUNT_SID, AUTH_TOKEN, { now: clock });
  const webhook = await WebhookPeer.start(WEBHOOK_SECRET, clock);
  cleanups.push(
    () => twilio.close(),
    () => webhook.close(),
  );
  if (!startSmtp) return { smtp: undefined as unknown as SmtpPeer, twilio, webhook, smtpPort: smtpPort ?? 0 };
  const smtp = await SmtpPeer.start({ credentials: SMTP_LOGIN, ...(smtpPort ? { port: smtpPort } : {}) });
  cleanups.push(() => smtp.close());
  return { smtp, twilio, webhook, smtpPort: smtp.port };
}

function policyFor(
  ports: { smtpPort: number; webhookUrl: string },
  extra: Partial<NotifyPolicyInput> = {},
): NotifyPolicyInput {
  return {
    public_url: 'https://bulwark.example.com',
    timezone: 'Europe/Berlin',
    email: {
      host: '127.0.0.1',
      port: ports.smtpPort,
      security: 'starttls',
      username: SMTP_LOGIN.user,
      from: 'Bulwark <alerts@example.com>',
      ca_file: '/test/ca.pem',
      timeout: '5s',
    },
    sms: { account_sid: ACCOUNT_SID, from: '+15005550006', timeout: '5s' },
    routes: [
      { channel: 'sms', to: [PHONE_1, PHONE_2], severities: ['high', 'critical'] },
      { channel: 'email', to: [MAILBOX], severities: ['medium', 'high', 'critical'] },
      { channel: 'email', to: [MAILBOX], severities: ['low'], digest: { at: '08:00' } },
      { channel: 'webhook', to: [ports.webhookUrl], kinds: ['account_takeover'] },
    ],
    ...extra,
  };
}

function setup(
  peers: { smtpPort: number; twilio: TwilioPeer; webhook: WebhookPeer; ca: string },
  clock: () => number,
  extra: Partial<NotifyPolicyInput> = {},
): NotifySetup {
  return createNotify(
    NotifyPolicySchema.parse(policyFor({ smtpPort: peers.smtpPort, webhookUrl: peers.webhook.url }, extra)),
    { smtpPassword: SMTP_LOGIN.pass, twilioAuthToken: AUTH_TOKEN, webhookSecret: WEBHOOK_SECRET },
    { log: SILENT, now: clock, readFile: () => Buffer.from(peers.ca), twilioApiBaseUrl: peers.twilio.url },
  );
}

function openStore(dataDir = tempDir('bulwark-notify-stage-')): { store: SqliteStore; dataDir: string } {
  const store = new SqliteStore({ dataDir });
  cleanups.push(() => store.close());
  return { store, dataDir };
}

function stageFor(store: SqliteStore, notify: NotifySetup, clock: () => number): NotifyStage {
  const bus = new MemoryBus();
  const stage = new NotifyStage({
    store,
    bus,
    notifiers: notify.notifiers,
    composer: notify.composer,
    rules: notify.delivery,
    maxAttempts: notify.maxAttempts,
    backoff: notify.backoff,
    log: SILENT,
    now: clock,
    random: () => 0.5,
  });
  cleanups.push(async () => {
    await stage.stop();
    await bus.close();
  });
  return stage;
}

/** Commits incidents with the notifications the routes plan for them, as the rules stage does. */
async function raise(
  store: SqliteStore,
  notify: NotifySetup,
  incidents: Incident[],
  nowMs: number,
): Promise<Notification[]> {
  const planned = incidents.flatMap((inc) =>
    planNotifications({ type: 'opened', incident: inc }, notify.routes, new Date(nowMs).toISOString()),
  );
  await store.commitEvaluation({
    consumer: 'test',
    checkpoint: 1,
    incidents,
    resolved: [],
    notifications: planned,
  });
  return planned;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function allRows(store: SqliteStore, incidents: readonly Incident[]): Promise<Notification[]> {
  const byId = new Map<string, Notification>();
  for (const inc of incidents) for (const row of await store.listNotifications(inc.id)) byId.set(row.id, row);
  return [...byId.values()];
}

describe('NotifyStage with real peers', () => {
  it('routes one incident to the phones, the mailbox and the webhook, each exactly once', async () => {
    let now = T0;
    const clock = () => now;
    const peers = await startPeers(clock);
    const notify = setup({ ...peers, ca: peers.smtp.ca }, clock);
    const { store } = openStore();
    const takeover = incident({ kind: 'account_takeover', severity: 'high', key: { 'user.name': 'bob' } });
    await raise(store, notify, [takeover], now);
    const stage = stageFor(store, notify, clock);
    await stage.deliverDue();
    await stage.deliverDue();

    expect(peers.twilio.messages.map((m) => m.to).sort()).toEqual([PHONE_1, PHONE_2]);
    expect(peers.twilio.messages[0]?.body).toMatch(
      /^Bulwark HIGH account_takeover bob 152x https:\/\/bulwark\.example\.com\/i\//,
    );
    const [mail] = await peers.smtp.waitForMails(1);
    expect(mail?.envelope.to).toEqual([MAILBOX]);
    expect(mail?.parsed.subject).toBe('[high] account_takeover user.name=bob (152 events)');
    expect(peers.webhook.requests).toHaveLength(1);
    expect(peers.webhook.requests[0]).toMatchObject({ signatureOk: true, body: { type: 'incident' } });
    const rows = await store.listNotifications(takeover.id);
    expect(rows.map((row) => row.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(rows.find((row) => row.channel === 'sms')?.provider_id).toMatch(/^SM[0-9a-f]{32}$/);
    now += HOUR;
    await stage.deliverDue();
    expect(peers.twilio.messages).toHaveLength(2);
    expect(peers.smtp.mails).toHaveLength(1);
    expect(peers.webhook.requests).toHaveLength(1);
    expect(stage.metrics()).toEqual(
      expect.arrayContaining([
        {
          name: 'bulwark_notify_sent_total',
          type: 'counter',
          labels: { stage: 'notify', channel: 'sms' },
          value: 2,
        },
      ]),
    );
  });

  it('SMTP down, then up: retried with backoff and delivered once', async () => {
    let now = T0;
    const clock = () => now;
    const port = await freePort();
    const peers = await startPeers(clock, port, false);
    const notify = setup(
      { smtpPort: port, twilio: peers.twilio, webhook: peers.webhook, ca: testCertificate().cert },
      clock,
    );
    const { store } = openStore();
    const probe = incident({ kind: 'sensitive_resource_probe', severity: 'medium' });
    await raise(store, notify, [probe], now);
    const stage = stageFor(store, notify, clock);
    await stage.deliverDue();
    let [row] = await store.listNotifications(probe.id);
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: expect.stringContaining('SMTP connection failed'),
    });
    // Backoff after the first failure: 1s ceiling, half fixed and half jitter (random 0.5): 750ms.
    expect(row?.next_attempt_at).toBe(new Date(T0 + 750).toISOString());

    const smtp = await SmtpPeer.start({ credentials: SMTP_LOGIN, port });
    cleanups.push(() => smtp.close());
    // The CA the adapter trusts was read at set-up: the peer comes up with that same certificate.
    expect(smtp.ca).toBe(testCertificate().cert);
    now += 500;
    await stage.deliverDue();
    expect(smtp.mails).toHaveLength(0);
    now += 500;
    await stage.deliverDue();
    await stage.deliverDue();
    expect(smtp.mails).toHaveLength(1);
    [row] = await store.listNotifications(probe.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
  });

  it('Twilio 500, then 201: checks before retrying, sends once', async () => {
    let now = T0;
    const clock = () => now;
    const peers = await startPeers(clock);
    const notify = setup({ ...peers, ca: peers.smtp.ca }, clock, {
      routes: [{ channel: 'sms', to: [PHONE_1] }],
    });
    const { store } = openStore();
    const flood = incident({ kind: 'request_flood', severity: 'high' });
    await raise(store, notify, [flood], now);
    peers.twilio.failNext.push(500);
    const stage = stageFor(store, notify, clock);
    await stage.deliverDue();
    let [row] = await store.listNotifications(flood.id);
    expect(row).toMatchObject({
      status: 'pending',
      in_doubt: true,
      last_error: expect.stringContaining('Twilio 500'),
    });
    now += 5_000;
    await stage.deliverDue();
    [row] = await store.listNotifications(flood.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, in_doubt: false });
    expect(peers.twilio.messages).toHaveLength(1);
    expect(peers.twilio.requests.map((request) => request.method)).toEqual(['POST', 'GET', 'POST']);
    expect(row?.provider_id).toBe(peers.twilio.messages[0]?.sid);
  });

  it('a lost Twilio answer is found at Twilio instead of being sent again', async () => {
    let now = T0;
    const clock = () => now;
    const peers = await startPeers(clock);
    const notify = setup({ ...peers, ca: peers.smtp.ca }, clock, {
      routes: [{ channel: 'sms', to: [PHONE_1] }],
    });
    const { store } = openStore();
    const flood = incident({ kind: 'request_flood', severity: 'critical' });
    await raise(store, notify, [flood], now);
    peers.twilio.dropNextAnswer = true;
    const stage = stageFor(store, notify, clock);
    await stage.deliverDue();
    now += 5_000;
    await stage.deliverDue();
    const [row] = await store.listNotifications(flood.id);
    expect(row).toMatchObject({ status: 'sent', provider_id: peers.twilio.messages[0]?.sid });
    expect(row?.note).toMatch(/^found at Twilio as SM/);
    expect(peers.twilio.messages).toHaveLength(1);
  });

  it('records permanent failures, visible with the incident', async () => {
    let now = T0;
    const clock = () => now;
    const peers = await startPeers(clock);
    const notify = setup({ ...peers, ca: peers.smtp.ca }, clock, {
      routes: [
        { channel: 'sms', to: ['+15005550001'] },
        { channel: 'email', to: ['nobody@example.com'] },
      ],
      retry: { max_attempts: 2 },
    });
    const { store } = openStore();
    const bad = incident({ kind: 'brute_force', severity: 'high' });
    await raise(store, notify, [bad], now);
    const stage = stageFor(store, notify, clock);
    await stage.deliverDue();
    const rows = await store.listNotifications(bad.id);
    const sms = rows.find((row) => row.channel === 'sms');
    const email = rows.find((row) => row.channel === 'email');
    expect(sms).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: expect.stringContaining('21211'),
    });
    expect(email).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: expect.stringContaining('SMTP 550'),
    });
    // Retries run out: two attempts, then failed for good.
    const other = incident({ id: incidentIdOf(2), severity: 'high' });
    await store.commitEvaluation({
      consumer: 'test',
      checkpoint: 2,
      incidents: [other],
      resolved: [],
      notifications: planNotifications(
        { type: 'opened', incident: other },
        [{ channel: 'sms', recipients: [PHONE_1] }],
        new Date(now).toISOString(),
      ),
    });
    peers.twilio.failNext.push(429, 429);
    await stage.deliverDue();
    now += MINUTE;
    await stage.deliverDue();
    expect((await store.listNotifications(other.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 2,
      last_error: expect.stringMatching(/^gave up after 2 attempts: Twilio 429/),
    });
  });

  it('holds non-critical SMS in quiet hours and sends the critical at once', async () => {
    // 23:30 in Berlin.
    let now = Date.parse('2026-11-21T22:30:00Z');
    const clock = () => now;
    const peers = await startPeers(clock);
    const notify = setup({ ...peers, ca: peers.smtp.ca }, clock, {
      routes: [{ channel: 'sms', to: [PHONE_1] }],
      quiet_hours: { from: '22:00', to: '07:00' },
    });
    const { store } = openStore();
    const high = incident({ id: incidentIdOf(1), severity: 'high' });
    const critical = incident({
      id: incidentIdOf(2),
      kind: 'compromise_after_brute_force',
      severity: 'critical',
    });
    await raise(store, notify, [high, critical], now);
    const stage = stageFor(store, notify, clock);
    await stage.deliverDue();
    expect(peers.twilio.messages.map((m) => m.body)).toEqual([expect.stringContaining('CRITICAL')]);
    const [held] = await store.listNotifications(high.id);
    expect(held).toMatchObject({
      status: 'pending',
      attempts: 0,
      next_attempt_at: '2026-11-22T06:00:00.000Z',
    });
    expect(held?.note).toContain('quiet hours');
    now = Date.parse('2026-11-22T06:00:00Z');
    await stage.deliverDue();
    expect(peers.twilio.messages).toHaveLength(2);
    expect(peers.twilio.messages[1]?.body).toContain('HIGH');
  });

  it('sends the low incidents of the day as one digest at 08:00', async () => {
    let now = Date.parse('2026-11-21T10:00:00Z');
    const clock = () => now;
    const peers = await startPeers(clock);
    const notify = setup({ ...peers, ca: peers.smtp.ca }, clock);
    const { store } = openStore();
    const lows = [1, 2, 3].map((n) =>
      incident({
        id: incidentIdOf(n),
        kind: 'sensitive_resource_probe',
        severity: 'low',
        key: { 'source.ip': `192.0.2.${n}` },
      }),
    );
    await raise(store, notify, lows, now);
    const stage = stageFor(store, notify, clock);
    await stage.deliverDue();
    now = Date.parse('2026-11-22T06:59:00Z');
    await stage.deliverDue();
    expect(peers.smtp.mails).toHaveLength(0);
    now = Date.parse('2026-11-22T07:00:00Z');
    await stage.deliverDue();
    const [digest] = await peers.smtp.waitForMails(1);
    expect(digest?.parsed.subject).toBe('Bulwark digest: 3 incidents (3 low)');
    for (const n of [1, 2, 3]) expect(digest?.parsed.text).toContain(`source.ip=192.0.2.${n}`);
    const rows = await allRows(store, lows);
    expect(rows.filter((row) => row.status === 'folded')).toHaveLength(3);
    expect(rows.filter((row) => row.status === 'sent').map((row) => row.payload?.template)).toEqual([
      'summary',
    ]);
  });

  it('a flood of 500 incidents in a minute: limits hold, every notification arrives exactly once', async () => {
    let now = T0;
    const clock = () => now;
    const peers = await startPeers(clock);
    const notify = setup({ ...peers, ca: peers.smtp.ca }, clock, {
      routes: [
        { channel: 'sms', to: [PHONE_1, PHONE_2], severities: ['high', 'critical'] },
        { channel: 'email', to: [MAILBOX] },
      ],
      rate_limits: { sms: { max: 10, per: '1h' }, email: { max: 20, per: '1h' } },
    });
    const { store } = openStore();
    const stage = stageFor(store, notify, clock);
    const incidents: Incident[] = [];
    for (let batch = 0; batch < 50; batch += 1) {
      const fresh = Array.from({ length: 10 }, (_, i) => {
        const n = batch * 10 + i + 1;
        return incident({
          id: incidentIdOf(n),
          severity: n % 50 === 0 ? 'critical' : 'high',
          key: { 'source.ip': `198.51.${Math.floor(n / 256)}.${n % 256}` },
        });
      });
      incidents.push(...fresh);
      await raise(store, notify, fresh, now);
      await stage.deliverDue();
      now += 1_200;
    }
    const perPhone = (phone: string) => peers.twilio.messages.filter((m) => m.to === phone).length;
    expect(perPhone(PHONE_1)).toBe(10);
    expect(perPhone(PHONE_2)).toBe(10);
    expect(peers.smtp.mails).toHaveLength(20);

    // An hour after the first message, its slot is free: everything that waited goes as one summary.
    now = T0 + HOUR;
    await stage.deliverDue();
    expect(perPhone(PHONE_1)).toBe(11);
    expect(perPhone(PHONE_2)).toBe(11);
    await peers.smtp.waitForMails(21);
    now += HOUR;
    await stage.deliverDue();
    expect(perPhone(PHONE_1)).toBe(11);
    expect(peers.smtp.mails).toHaveLength(21);

    // Exactly once: every row went alone or in exactly one summary, and each sent row is one message.
    const rows = await allRows(store, incidents);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const planned = rows.filter((row) => row.payload?.template === 'incident');
    expect(planned).toHaveLength(1500);
    for (const row of planned) {
      if (row.status === 'sent') continue;
      expect(row.status).toBe('folded');
      const summary = byId.get(row.folded_into as string);
      expect(summary?.status).toBe('sent');
      expect(
        summary?.payload?.template === 'summary' &&
          summary.payload.items.filter((item) => item.id === row.id),
      ).toHaveLength(1);
    }
    const sentSms = rows.filter((row) => row.channel === 'sms' && row.status === 'sent');
    expect(sentSms).toHaveLength(peers.twilio.messages.length);
    expect(new Set(sentSms.map((row) => row.provider_id))).toEqual(
      new Set(peers.twilio.messages.map((m) => m.sid)),
    );
    // The SMS limit holds in every window of an hour, not only in the first.
    for (const phone of [PHONE_1, PHONE_2]) {
      const times = peers.twilio.messages.filter((m) => m.to === phone).map((m) => m.created_ms);
      for (const at of times)
        expect(times.filter((t) => t > at - HOUR && t <= at).length).toBeLessThanOrEqual(10);
    }
    const summaries = rows.filter((row) => row.payload?.template === 'summary');
    const folded = (channel: string) =>
      summaries
        .filter((row) => row.channel === channel)
        .reduce((sum, row) => sum + (row.payload?.template === 'summary' ? row.payload.items.length : 0), 0);
    expect(folded('sms')).toBe(2 * (500 - 10));
    expect(folded('email')).toBe(500 - 20);
    // The email summaries list their incidents.
    const lastMail = peers.smtp.mails.at(-1);
    expect(lastMail?.parsed.html).toContain(incidentIdOf(500));
    expect(rows.every((row) => row.status !== 'pending' && row.status !== 'sending')).toBe(true);
  });
});

/** A child process that runs one notify pass on the store and kills itself at a chosen point. */
const CHILD = (modules: Record<string, string>) => `
import { readFileSync } from 'node:fs';
const { MemoryBus } = await import(${JSON.stringify(modules.bus)});
const { createNotify, NotifyPolicySchema } = await import(${JSON.stringify(modules.notify)});
const { NotifyStage } = await import(${JSON.stringify(modules.stages)});
const { SqliteStore } = await import(${JSON.stringify(modules.store)});
const config = JSON.parse(process.env.CHILD_CONFIG);
const notify = createNotify(NotifyPolicySchema.parse(config.policy), config.secrets, {
  log: { warn() {} },
  now: Date.now,
  readFile: () => Buffer.from(config.ca),
  twilioApiBaseUrl: config.twilioUrl,
});
const killAt = process.env.KILL_AT;
const notifiers = notify.notifiers.map((inner) => ({
  channel: inner.channel,
  reconcile: inner.reconcile?.bind(inner),
  close: () => inner.close(),
  async send(message) {
    const first = message.attempts === 0;
    if (first && killAt === 'before-send') process.kill(process.pid, 'SIGKILL');
    const result = await inner.send(message);
    if (first && killAt === 'after-send' && result.ok) process.kill(process.pid, 'SIGKILL');
    return result;
  },
}));
const store = new SqliteStore({ dataDir: config.dataDir });
const bus = new MemoryBus();
const stage = new NotifyStage({ store, bus, notifiers, composer: notify.composer, rules: notify.delivery, log: { warn() {}, error(f, m) { console.error(m, f); } } });
await stage.deliverDue();
await stage.stop();
await bus.close();
await store.close();
`;

function childScript(dir: string): string {
  const require = createRequire(import.meta.url);
  const url = (name: string) => pathToFileURL(require.resolve(name)).href;
  let modules: Record<string, string>;
  try {
    modules = {
      bus: url('@bulwark/bus'),
      notify: url('@bulwark/notify'),
      stages: url('@bulwark/stages'),
      store: url('@bulwark/store'),
    };
  } catch (error) {
    throw new Error(
      `the crash test runs the built packages in a child process: build them first (tsc -b packages/notify packages/store packages/stages): ${(error as Error).message}`,
    );
  }
  const file = path.join(dir, 'notify-child.mjs');
  writeFileSync(file, CHILD(modules));
  return file;
}

async function runChild(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

describe('a crash between sending and recording', () => {
  for (const killAt of ['after-send', 'before-send'] as const) {
    it(`kills the process ${killAt === 'after-send' ? 'after the peer took a message, before it was recorded' : 'after the claim, before the message was handed over'}: each peer gets each message exactly once`, async () => {
      const peers = await startPeers(Date.now);
      const { store, dataDir } = openStore();
      const policy = policyFor(
        { smtpPort: peers.smtpPort, webhookUrl: peers.webhook.url },
        {
          routes: [
            { channel: 'email', to: [MAILBOX] },
            { channel: 'sms', to: [PHONE_1] },
            { channel: 'webhook', to: [peers.webhook.url] },
          ],
        },
      );
      const notify = createNotify(
        NotifyPolicySchema.parse(policy),
        { smtpPassword: SMTP_LOGIN.pass, twilioAuthToken: AUTH_TOKEN, webhookSecret: WEBHOOK_SECRET },
        {
          log: SILENT,
          now: Date.now,
          readFile: () => Buffer.from(peers.smtp.ca),
          twilioApiBaseUrl: peers.twilio.url,
        },
      );
      const breach = incident({ severity: 'critical', kind: 'compromise_after_brute_force' });
      await raise(store, notify, [breach], Date.now());
      await store.close();

      const script = childScript(dataDir);
      const env = {
        CHILD_CONFIG: JSON.stringify({
          policy,
          secrets: {
            smtpPassword: SMTP_LOGIN.pass,
            twilioAuthToken: AUTH_TOKEN,
            webhookSecret: WEBHOOK_SECRET,
          },
          ca: peers.smtp.ca,
          twilioUrl: peers.twilio.url,
          dataDir,
        }),
      };
      const runs: (NodeJS.Signals | number | null)[] = [];
      for (let run = 0; run < 6; run += 1) {
        const exit = await runChild(script, { ...env, KILL_AT: killAt });
        runs.push(exit.signal ?? exit.code);
        if (exit.signal === null) {
          expect(exit.code, exit.stderr).toBe(0);
          break;
        }
      }
      // Three messages, three kills, then a run that finds nothing left to send.
      expect(runs).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL', 0]);

      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(peers.smtp.mails).toHaveLength(1);
      expect(peers.twilio.messages).toHaveLength(1);
      expect(peers.webhook.requests).toHaveLength(1);
      expect(peers.webhook.requests[0]?.signatureOk).toBe(true);
      const { store: reopened } = openStore(dataDir);
      const rows = (await reopened.listNotifications(breach.id)).sort((a, b) =>
        a.channel.localeCompare(b.channel),
      );
      expect(rows.map((row) => [row.channel, row.status])).toEqual([
        ['email', 'sent'],
        ['sms', 'sent'],
        ['webhook', 'sent'],
      ]);
      if (killAt === 'after-send') {
        expect(rows.map((row) => row.attempts)).toEqual([1, 1, 1]);
        expect(rows.find((row) => row.channel === 'sms')?.provider_id).toBe(peers.twilio.messages[0]?.sid);
        expect(rows.find((row) => row.channel === 'email')?.note).toContain('assumed delivered');
      } else {
        expect(rows.map((row) => row.attempts)).toEqual([2, 2, 2]);
      }
    });
  }
});
