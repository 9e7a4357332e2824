import {
  deliveryRulesOf,
  NOTIFY_SECRET_ENV,
  NotifyPolicySchema,
  routesOf,
  secretProblems,
} from '@bulwark/notify';
import type { Notification } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { notification } from './support/fixtures.js';

/** The example of the package README, as it goes under `notify:` in bulwark.yaml. */
const EXAMPLE = `
public_url: https://bulwark.example.com
timezone: Europe/Berlin
email:
  host: smtp.example.com
  port: 587
  security: starttls
  username: alerts@example.com
  from: Bulwark <alerts@example.com>
sms:
  account_sid: AC0123456789abcdef0123456789abcdef
  from: "+15005550006"
routes:
  - channel: sms
    to: ["+15551230001", "+15551230002"]
    severities: [high, critical]
  - channel: email
    to: [security@example.com]
    severities: [medium, high, critical]
  - channel: email
    to: [security@example.com]
    severities: [low]
    digest: { at: "08:00" }
quiet_hours:
  from: "22:00"
  to: "07:00"
  channels: [sms]
  except: [critical]
rate_limits:
  sms: { max: 10, per: 1h }
  email: { max: 60, per: 1h }
affected_user:
  kinds: [new_ip_login, account_takeover]
  link_ttl: 7d
  directory:
    map: { alice: alice@example.com }
`;

type Row = Notification;

describe('the notify policy', () => {
  it('parses the README example', () => {
    const policy = NotifyPolicySchema.parse(parse(EXAMPLE));
    expect(policy.rate_limits.sms).toEqual({ max: 10, per: 3_600_000 });
    expect(policy.affected_user?.link_ttl).toBe(7 * 86_400_000);
    expect(policy.retry).toEqual({ max_attempts: 10, base: 1_000, max: 300_000 });
    expect(routesOf(policy)).toEqual([
      { channel: 'sms', recipients: ['+15551230001', '+15551230002'], severities: ['high', 'critical'] },
      { channel: 'email', recipients: ['security@example.com'], severities: ['medium', 'high', 'critical'] },
      {
        channel: 'email',
        recipients: ['security@example.com'],
        severities: ['low'],
        digest: { at: '08:00', timezone: 'Europe/Berlin' },
      },
      {
        channel: 'email',
        recipients: [],
        kinds: ['new_ip_login', 'account_takeover'],
        audience: 'affected_user',
      },
    ]);
  });

  it('defaults to the console channel', () => {
    const policy = NotifyPolicySchema.parse({});
    expect(routesOf(policy)).toEqual([{ channel: 'console', recipients: ['log'] }]);
    expect(secretProblems(policy, {})).toEqual([]);
  });

  it('lists every problem at once, with paths', () => {
    const result = NotifyPolicySchema.safeParse({
      timezone: 'Mars/Olympus',
      sms: { account_sid: 'AC123', from: '+15005550006', messaging_service_sid: `MG${'0'.repeat(32)}` },
      routes: [
        { channel: 'email', to: ['not-an-address'] },
        { channel: 'sms', to: ['0170 123456'] },
        { channel: 'webhook', to: ['ftp://example.com'], digest: { at: '25:00' } },
        { channel: 'pager', to: ['x'] },
      ],
      rate_limits: { sms: { max: 0, per: 'soon' } },
      affected_user: {},
      surprise: true,
    });
    expect(result.success).toBe(false);
    const paths = (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'timezone',
        'sms.account_sid',
        'routes.2.digest.at',
        'routes.3.channel',
        'rate_limits.sms.max',
        'rate_limits.sms.per',
        '',
      ]),
    );
    const parsed = NotifyPolicySchema.safeParse({
      sms: { account_sid: `AC${'0'.repeat(32)}`, from: '+15005550006' },
      routes: [
        { channel: 'email', to: ['not-an-address'] },
        { channel: 'sms', to: ['0170 123456'] },
        { channel: 'webhook', to: ['ftp://example.com'] },
      ],
      affected_user: {},
    });
    expect((parsed.error?.issues ?? []).map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['routes.0.channel', 'email routes need notify.email (the SMTP server)'],
      ['routes.0.to.0', 'expected an email address'],
      ['routes.1.to.0', 'expected a phone number in E.164 form such as +15551230000'],
      ['routes.2.to.0', 'expected an http(s) URL'],
      ['affected_user', 'the affected user is told by email: set notify.email'],
    ]);
  });

  it('names the environment variables of missing secrets', () => {
    const policy = NotifyPolicySchema.parse({
      ...parse(EXAMPLE),
      routes: [...parse(EXAMPLE).routes, { channel: 'webhook', to: ['https://hooks.example.com/x'] }],
    });
    expect(secretProblems(policy, {}).map((problem) => problem.env)).toEqual([
      NOTIFY_SECRET_ENV.smtpPassword,
      NOTIFY_SECRET_ENV.twilioAuthToken,
      NOTIFY_SECRET_ENV.webhookSecret,
      NOTIFY_SECRET_ENV.linkSecret,
    ]);
    expect(
      secretProblems(policy, {
        smtpPassword: 'p',
        twilioAuthToken: 't',
        webhookSecret: 'w',
        linkSecret: 'short',
      }),
    ).toEqual([
      { env: 'BULWARK_LINK_SECRET', message: 'BULWARK_LINK_SECRET must be at least 32 characters' },
    ]);
  });

  it('holds non-critical SMS in quiet hours, in the policy time zone', () => {
    const rules = deliveryRulesOf(NotifyPolicySchema.parse(parse(EXAMPLE)));
    const sms = (severity: Row['severity']) =>
      notification({ channel: 'sms', recipient: '+15551230001', severity });
    // 23:30 in Berlin (CET, UTC+1) is 22:30 UTC; quiet hours end at 07:00 Berlin = 06:00 UTC.
    const night = Date.parse('2026-11-21T22:30:00Z');
    expect(rules.holdUntil(sms('high'), night)).toBe(Date.parse('2026-11-22T06:00:00Z'));
    expect(rules.holdUntil(sms('critical'), night)).toBeNull();
    expect(rules.holdUntil(notification({ severity: 'high' }), night)).toBeNull();
    expect(rules.holdUntil(sms('high'), Date.parse('2026-11-22T06:00:00Z'))).toBeNull();
    expect(rules.holdUntil(sms('low'), Date.parse('2026-11-21T20:59:00Z'))).toBeNull();
    expect(rules.limit('sms')).toEqual({ max: 10, perMs: 3_600_000 });
    expect(rules.limit('webhook')).toBeUndefined();
  });
});
