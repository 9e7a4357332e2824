import {
  createComposer,
  gsm7Length,
  incidentIdFromRef,
  isGsm7,
  LinkSigner,
  Links,
  MapDirectory,
  renderSms,
  shortRef,
  toGsm7,
} from '@bulwark/notify';
import { describe, expect, it } from 'vitest';
import { event, incident, incidentIdOf, LINK_SECRET, notification } from './support/fixtures.js';

const links = new Links({ publicUrl: 'https://bulwark.example.com/' });

describe('SMS text', () => {
  it('has kind, key, count, severity and a short link in one GSM-7 segment', () => {
    const row = notification({ channel: 'sms' });
    const { text } = renderSms(row, links);
    expect(text).toBe(
      'Bulwark HIGH brute_force 203.0.113.7 152x https://bulwark.example.com/i/AAAAAAAAAAAAAAAB',
    );
    expect(isGsm7(text)).toBe(true);
    expect(gsm7Length(text)).toBeLessThanOrEqual(160);
  });

  it('keeps a long or non-GSM key within one segment', () => {
    const row = notification({
      channel: 'sms',
      payload: {
        template: 'incident',
        incident: {
          kind: 'distributed_brute_force',
          key: { 'user.name': `Łukasz-Žofie-${'x'.repeat(200)}` },
          count: 12345,
          summary: 's',
          first_seen: '2026-11-21T10:00:00.000Z',
          last_seen: '2026-11-21T10:00:00.000Z',
        },
      },
    });
    const { text } = renderSms(row, links);
    expect(isGsm7(text)).toBe(true);
    expect(gsm7Length(text)).toBeLessThanOrEqual(160);
    expect(text).toMatch(
      /^Bulwark HIGH distributed_brute_force Lukasz-Zofie-x+\.\.\. https:\/\/bulwark\.example\.com\/i\//,
    );
  });

  it('summarises a fold by severity', () => {
    const row = notification({
      channel: 'sms',
      incident_id: '',
      payload: {
        template: 'summary',
        reason: 'rate_limit',
        items: ['critical', 'high', 'high'].map((severity, n) => ({
          id: `n${n}`,
          incident_id: incidentIdOf(n),
          severity: severity as 'high',
          kind: 'brute_force' as const,
          key: null,
          count: null,
          summary: 's',
        })),
      },
    });
    expect(renderSms(row, links).text).toBe(
      'Bulwark: 3 incidents more (SMS limit reached): 1 critical, 2 high https://bulwark.example.com/v1/incidents',
    );
  });

  it('maps text to GSM-7 and counts extension characters twice', () => {
    expect(toGsm7('“Zoë” – café… 😀')).toBe('"Zoe" - café... ?');
    expect(gsm7Length('{€}')).toBe(6);
  });
});

describe('links', () => {
  it('round-trips short incident references', () => {
    const id = incidentIdOf(0xabcdef);
    expect(shortRef(id)).toHaveLength(16);
    expect(incidentIdFromRef(shortRef(id))).toBe(id);
    expect(incidentIdFromRef(shortRef('legacy-id'))).toBe('legacy-id');
    expect(incidentIdFromRef('../etc')).toBeNull();
  });
});

describe('the composer', () => {
  const signer = new LinkSigner(LINK_SECRET);
  const composer = createComposer({
    links: new Links({ publicUrl: 'https://bulwark.example.com', signer, reportTtlMs: 86_400_000 }),
    timezone: 'Europe/Berlin',
    directory: new MapDirectory({ bob: 'bob@example.com' }),
  });
  const login = incident({ kind: 'new_ip_login', key: { 'user.name': 'alice' }, severity: 'medium' });
  const row = notification({
    channel: 'email',
    recipient: 'user:alice',
    payload: {
      template: 'affected_user',
      user: 'alice',
      incident: { ...login, key: login.key },
    },
  });
  const nowMs = Date.parse('2026-11-21T10:06:00Z');

  it('writes to the affected user at the address from the events, with a signed link', async () => {
    const stored = {
      ...login,
      evidence_events: [
        event('ev-1', {
          'bulwark.category': 'successful_login',
          'event.outcome': 'success',
          'user.name': 'alice',
          'user.email': 'alice@example.com',
          'source.ip': '198.51.100.23',
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)',
          'event.dataset': 'app',
          '@timestamp': '2026-11-21T10:04:00.000Z',
        }),
      ],
    };
    const composed = await composer.compose({ notification: row, incident: stored, nowMs });
    if (!composed.ok) throw new Error(composed.error);
    expect(composed.address).toBe('alice@example.com');
    expect(composed.content.subject).toBe('New sign-in to your account from 198.51.100.23');
    expect(composed.content.text).toContain('When:    2026-11-21 11:04 (Europe/Berlin)');
    expect(composed.content.text).toContain('Address: 198.51.100.23');
    expect(composed.content.text).toContain('Device:  Mozilla/5.0 (X11; Linux x86_64)');
    const url = /https:\/\/bulwark\.example\.com\/v1\/report\/(\S+)/.exec(composed.content.text)?.[1] ?? '';
    expect(signer.verify(url, nowMs)).toEqual({
      ok: true,
      claims: { incidentId: row.incident_id, expiresAtMs: nowMs + 86_400_000 },
    });
    expect(composed.content.html).toContain("This wasn't me</a>");
  });

  it('falls back to the directory, and fails for good without an address', async () => {
    const forBob = { ...row, recipient: 'user:bob' };
    const composed = await composer.compose({ notification: forBob, incident: null, nowMs });
    expect(composed).toMatchObject({ ok: true, address: 'bob@example.com' });
    const forCarol = { ...row, recipient: 'user:carol' };
    expect(await composer.compose({ notification: forCarol, incident: null, nowMs })).toEqual({
      ok: false,
      retryable: false,
      error: 'no email address for user carol (no user.email in the events, not in the directory)',
    });
  });

  it('escapes what the logs put in HTML', async () => {
    const hostile = {
      ...incident({ summary: '<script>alert(1)</script>' }),
      evidence_events: [event('<img src=x>')],
    };
    const composed = await composer.compose({ notification: notification(), incident: hostile, nowMs });
    if (!composed.ok) throw new Error(composed.error);
    expect(composed.content.html).not.toContain('<script>');
    expect(composed.content.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(composed.content.html).not.toContain('<img');
  });
});
