import { Links, renderSms, TwilioSmsNotifier } from '@bulwark/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT_SID, AUTH_TOKEN, notification } from './support/fixtures.js';
import { outbound } from './support/outbound.js';
import { TwilioPeer } from './support/twilio-peer.js';

const SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;
const links = new Links({ publicUrl: 'https://bulwark.example.com' });
const peers: TwilioPeer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) await peer.close();
});

async function peer(): Promise<TwilioPeer> {
  const started = await TwilioPeer.start(ACCOUNT_SID, AUTH_TOKEN);
  peers.push(started);
  return started;
}

function sms(
  twilio: TwilioPeer,
  overrides: Partial<ConstructorParameters<typeof TwilioSmsNotifier>[0]> = {},
) {
  return new TwilioSmsNotifier({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    from: '+15005550006',
    apiBaseUrl: twilio.url,
    timeoutMs: 5_000,
    ...overrides,
  });
}

const row = notification({ channel: 'sms', recipient: '+15551230001' });
const message = () => outbound(row, renderSms(row, links));

describe('TwilioSmsNotifier with the real twilio SDK against a local Messages API', () => {
  it('POSTs the exact request: path, Basic auth, form fields To, From, Body', async () => {
    const twilio = await peer();
    const sent = message();
    const result = await sms(twilio).send(sent);

    expect(result).toEqual({ ok: true, providerId: twilio.messages[0]?.sid });
    expect(sent.commits).toBe(1);
    expect(twilio.creates).toHaveLength(1);
    const [request] = twilio.creates;
    expect(request?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(request?.authorization).toBe(
      `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
    );
    expect(request?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.form).toEqual({
      To: '+15551230001',
      From: '+15005550006',
      Body: 'Bulwark HIGH brute_force 203.0.113.7 152x https://bulwark.example.com/i/AAAAAAAAAAAAAAAB',
    });
  });

  it('sends through a messaging service SID instead of a number', async () => {
    const twilio = await peer();
    const result = await sms(twilio, { from: undefined, messagingServiceSid: SERVICE_SID }).send(message());
    expect(result.ok).toBe(true);
    expect(twilio.creates[0]?.form).toEqual({
      To: '+15551230001',
      MessagingServiceSid: SERVICE_SID,
      Body: expect.stringContaining('brute_force'),
    });
  });

  it('translates answers: 429 retryable, 500 retryable and uncertain, 400 and 401 permanent', async () => {
    const twilio = await peer();
    twilio.failNext.push(429, 500);
    expect(await sms(twilio).send(message())).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining('429'),
    });
    expect(await sms(twilio).send(message())).toMatchObject({ ok: false, retryable: true, uncertain: true });
    const badNumber = notification({ channel: 'sms', recipient: '+15005550001' });
    expect(await sms(twilio).send(outbound(badNumber, renderSms(badNumber, links)))).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining('21211'),
    });
    expect(await sms(twilio, { authToken: 'wrong-token' }).send(message())).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining('credentials'),
    });
    expect(twilio.messages).toHaveLength(0);
  });

  it('reports a dropped connection after the request as retryable and uncertain', async () => {
    const twilio = await peer();
    twilio.dropNextAnswer = true;
    expect(await sms(twilio).send(message())).toMatchObject({ ok: false, retryable: true, uncertain: true });
    expect(twilio.messages).toHaveLength(1);
  });

  it('reports an unreachable API as retryable and certain', async () => {
    const twilio = await peer();
    const url = twilio.url;
    await twilio.close();
    peers.splice(0);
    const result = await sms(twilio, { apiBaseUrl: url }).send(message());
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.ok === false && result.uncertain).toBeFalsy();
  });

  it('reconciles by listing the messages sent to the recipient', async () => {
    const twilio = await peer();
    const attemptAt = Date.now();
    expect(await sms(twilio).reconcile(message(), attemptAt)).toEqual({ state: 'not_delivered' });
    await sms(twilio).send(message());
    const found = await sms(twilio).reconcile(message(), attemptAt);
    expect(found).toMatchObject({ state: 'delivered', providerId: twilio.messages[0]?.sid });
    const list = twilio.requests.filter((request) => request.method === 'GET');
    expect(list[0]?.query).toMatchObject({ To: '+15551230001', From: '+15005550006', PageSize: '50' });
    // Another body (another notification) to the same number is not this one.
    const other = notification({
      id: 'ntf_other',
      channel: 'sms',
      recipient: '+15551230001',
      severity: 'critical',
    });
    expect(await sms(twilio).reconcile(outbound(other, renderSms(other, links)), attemptAt)).toEqual({
      state: 'not_delivered',
    });
  });

  it('says unknown when Twilio cannot be asked', async () => {
    const twilio = await peer();
    expect(await sms(twilio, { authToken: 'wrong-token' }).reconcile(message(), Date.now())).toMatchObject({
      state: 'unknown',
    });
  });
});
