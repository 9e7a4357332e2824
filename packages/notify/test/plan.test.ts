import { notificationId, planNotifications, planUserReport, type Route } from '@bulwark/notify';
import { describe, expect, it } from 'vitest';
import { incident } from './support/fixtures.js';

const NOW = '2026-11-21T10:06:00.000Z';
const routes: Route[] = [
  { channel: 'sms', recipients: ['+15551230001', '+15551230002'], severities: ['high', 'critical'] },
  { channel: 'email', recipients: ['security@example.com'], severities: ['medium', 'high', 'critical'] },
  {
    channel: 'email',
    recipients: ['security@example.com'],
    severities: ['low'],
    digest: { at: '08:00', timezone: 'Europe/Berlin' },
  },
  { channel: 'webhook', recipients: ['https://hooks.example.com/x'], kinds: ['account_takeover'] },
  {
    channel: 'email',
    recipients: [],
    kinds: ['new_ip_login', 'account_takeover'],
    audience: 'affected_user',
  },
];

describe('planNotifications', () => {
  it('routes by severity: high to the phones and the mailbox', () => {
    const planned = planNotifications({ type: 'opened', incident: incident() }, routes, NOW);
    expect(planned.map((n) => [n.channel, n.recipient])).toEqual([
      ['sms', '+15551230001'],
      ['sms', '+15551230002'],
      ['email', 'security@example.com'],
    ]);
    expect(planned[0]).toMatchObject({
      id: notificationId(incident().id, 'sms', '+15551230001', 'high'),
      status: 'pending',
      payload: { template: 'incident', incident: { kind: 'brute_force', count: 152 } },
      next_attempt_at: null,
      fold_key: null,
    });
  });

  it('puts low incidents in the next daily digest, in the policy time zone', () => {
    const planned = planNotifications(
      { type: 'opened', incident: incident({ severity: 'low' }) },
      routes,
      NOW,
    );
    expect(planned).toHaveLength(1);
    // 08:00 in Berlin on 2026-11-22 is 07:00 UTC.
    expect(planned[0]).toMatchObject({
      channel: 'email',
      next_attempt_at: '2026-11-22T07:00:00.000Z',
      fold_key: 'digest@2026-11-22T07:00:00.000Z',
    });
  });

  it('routes by kind, and mails the affected user once when a login incident opens', () => {
    const takeover = incident({ kind: 'account_takeover', key: { 'user.name': 'alice' }, severity: 'high' });
    const planned = planNotifications({ type: 'opened', incident: takeover }, routes, NOW);
    expect(planned.map((n) => [n.channel, n.recipient, n.payload?.template])).toEqual([
      ['sms', '+15551230001', 'incident'],
      ['sms', '+15551230002', 'incident'],
      ['email', 'security@example.com', 'incident'],
      ['webhook', 'https://hooks.example.com/x', 'incident'],
      ['email', 'user:alice', 'affected_user'],
    ]);
    const risen = planNotifications(
      { type: 'updated', incident: { ...takeover, severity: 'critical' }, previousSeverity: 'high' },
      routes,
      NOW,
    );
    expect(risen.map((n) => n.recipient)).not.toContain('user:alice');
  });

  it('notifies again only when the severity rises, with a new idempotency key', () => {
    const medium = incident({ severity: 'medium' });
    expect(
      planNotifications({ type: 'updated', incident: medium, previousSeverity: 'medium' }, routes, NOW),
    ).toEqual([]);
    expect(planNotifications({ type: 'closed', incident: medium }, routes, NOW)).toEqual([]);
    const opened = planNotifications({ type: 'opened', incident: medium }, routes, NOW);
    const risen = planNotifications(
      { type: 'updated', incident: incident({ severity: 'high' }), previousSeverity: 'medium' },
      routes,
      NOW,
    );
    expect(risen.map((n) => n.channel)).toEqual(['sms', 'sms', 'email']);
    const openedIds = new Set(opened.map((n) => n.id));
    expect(risen.every((n) => !openedIds.has(n.id))).toBe(true);
  });
});

describe('planUserReport', () => {
  it('tells the team routes that take the raised incident, at once, with a key of its own', () => {
    const reported = incident({ kind: 'new_ip_login', key: { 'user.name': 'alice' }, severity: 'high' });
    const planned = planUserReport(reported, routes, { user: 'alice', reportedAt: NOW });
    expect(planned.map((n) => [n.channel, n.recipient])).toEqual([
      ['sms', '+15551230001'],
      ['sms', '+15551230002'],
      ['email', 'security@example.com'],
    ]);
    expect(planned[2]).toMatchObject({
      id: notificationId(reported.id, 'email', 'security@example.com', 'reported'),
      fold_key: null,
      payload: { template: 'user_report', user: 'alice', reported_at: NOW },
    });
    expect(planned[2]?.subject).toBe('[high] alice says "this wasn\'t me": new_ip_login');
  });

  it('falls back to every immediate team route when none takes it', () => {
    const only: Route[] = [
      { channel: 'email', recipients: ['soc@example.com'], severities: ['critical'] },
      {
        channel: 'email',
        recipients: ['digest@example.com'],
        severities: ['low'],
        digest: { at: '08:00', timezone: 'UTC' },
      },
    ];
    const planned = planUserReport(incident({ severity: 'high' }), only, { user: 'alice', reportedAt: NOW });
    expect(planned.map((n) => n.recipient)).toEqual(['soc@example.com']);
  });
});
