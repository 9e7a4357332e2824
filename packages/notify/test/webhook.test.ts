import {
  Links,
  renderWebhook,
  signatureHeader,
  verifyWebhookSignature,
  WebhookNotifier,
} from '@bulwark/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { notification } from './support/fixtures.js';
import { outbound } from './support/outbound.js';
import { WebhookPeer } from './support/webhook-peer.js';

const SECRET = 'webhook-secret-0123456789';
const links = new Links({ publicUrl: 'https://bulwark.example.com' });
const peers: WebhookPeer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) await peer.close();
});

async function peer(): Promise<WebhookPeer> {
  const started = await WebhookPeer.start(SECRET);
  peers.push(started);
  return started;
}

function message(url: string) {
  const row = notification({ channel: 'webhook', recipient: url });
  return outbound(row, renderWebhook(row, links));
}

describe('WebhookNotifier against a local receiver', () => {
  it('POSTs signed JSON that the receiver verifies, with the delivery id', async () => {
    const hook = await peer();
    const sent = message(hook.url);
    const result = await new WebhookNotifier({ secret: SECRET, now: Date.now }).send(sent);
    expect(result).toEqual({ ok: true });
    expect(sent.commits).toBe(1);
    expect(hook.requests).toEqual([
      {
        delivery: sent.id,
        signatureOk: true,
        signatureProblem: null,
        body: expect.objectContaining({
          type: 'incident',
          id: sent.id,
          severity: 'high',
          incident: expect.objectContaining({
            id: sent.incident_id,
            url: `https://bulwark.example.com/v1/incidents/${sent.incident_id}`,
            kind: 'brute_force',
            key: { 'source.ip': '203.0.113.7' },
            count: 152,
          }),
        }),
      },
    ]);
  });

  it('is refused by a receiver with another secret', async () => {
    const hook = await peer();
    await new WebhookNotifier({ secret: 'some-other-secret', now: Date.now }).send(message(hook.url));
    expect(hook.requests[0]).toMatchObject({
      signatureOk: false,
      signatureProblem: 'signature does not match',
    });
  });

  it('retries 5xx, 429 and connection failures; gives up on other 4xx', async () => {
    const hook = await peer();
    hook.statuses.push(503, 429, 410);
    const notifier = new WebhookNotifier({ secret: SECRET, now: Date.now });
    expect(await notifier.send(message(hook.url))).toMatchObject({
      ok: false,
      retryable: true,
      error: 'webhook answered 503',
    });
    expect(await notifier.send(message(hook.url))).toMatchObject({ ok: false, retryable: true });
    expect(await notifier.send(message(hook.url))).toMatchObject({
      ok: false,
      retryable: false,
      error: 'webhook answered 410',
    });
    const url = hook.url;
    await hook.close();
    peers.splice(0);
    expect(await notifier.send(message(url))).toMatchObject({ ok: false, retryable: true });
  });

  it('holds back the last byte until the commit is recorded', async () => {
    const hook = await peer();
    const sent = message(hook.url);
    const failing = { ...sent, commit: async () => Promise.reject(new Error('disk full')) };
    const result = await new WebhookNotifier({ secret: SECRET, now: Date.now }).send(failing);
    expect(result).toMatchObject({ ok: false, retryable: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hook.requests).toHaveLength(0);
  });
});

describe('webhook signatures', () => {
  const now = Date.parse('2026-11-21T10:00:00Z');
  it('verifies a good signature and refuses tampering and replays', () => {
    const body = '{"hello":"world"}';
    const header = signatureHeader(body, SECRET, now);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(body, header, SECRET, now)).toMatchObject({ ok: true });
    expect(verifyWebhookSignature(`${body} `, header, SECRET, now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifyWebhookSignature(body, header, SECRET, now + 600_000)).toEqual({
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    expect(verifyWebhookSignature(body, undefined, SECRET, now)).toEqual({
      ok: false,
      reason: 'no signature header',
    });
  });
});
