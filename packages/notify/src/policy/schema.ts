import { Channel, Duration, IncidentKind, Port, Severity } from '@bulwark/schemas';
import { z } from 'zod';
import { isTimeZone } from '../time/zoned.js';

const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day such as 07:30');
const TimeZone = z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin, or UTC');
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** The SMTP server. The password comes from BULWARK_SMTP_PASSWORD. */
export const SmtpSettings = z.strictObject({
  host: z.string().min(1),
  /** Default by `security`: 465 for tls, 587 for starttls, 25 for none. */
  port: Port.optional(),
  /** `tls`: implicit TLS (465); `starttls`: upgrade, required (587); `none`: plain (a local relay). */
  security: z.enum(['tls', 'starttls', 'none']).default('starttls'),
  username: z.string().min(1).optional(),
  /** The From header, e.g. `Bulwark <alerts@example.com>`. */
  from: z.string().regex(/@/, 'expected an address such as Bulwark <alerts@example.com>'),
  reply_to: z.string().min(3).optional(),
  timeout: Duration.default(30_000),
  /** PEM file of a private CA the server's certificate chains to. */
  ca_file: z.string().min(1).optional(),
});

/** The Twilio account. The auth token comes from BULWARK_TWILIO_AUTH_TOKEN. */
export const TwilioSettings = z
  .strictObject({
    account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'expected an account SID: AC and 32 hex digits'),
    /** The sending number (E.164), or: */
    from: z.string().regex(E164, 'expected a number in E.164 form such as +15551230000').optional(),
    /** a messaging service that picks the sending number. */
    messaging_service_sid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'expected a messaging service SID: MG and 32 hex digits')
      .optional(),
    timeout: Duration.default(15_000),
    /**
     * Send Twilio's API calls to this base URL instead of api.twilio.com: an egress proxy, or a
     * stand-in where Twilio is out of reach (tests). The requests are the same.
     */
    api_url: z.url({ protocol: /^https?$/ }).optional(),
  })
  .refine((sms) => (sms.from === undefined) !== (sms.messaging_service_sid === undefined), {
    message: 'set exactly one of from and messaging_service_sid',
  });

/** Webhook delivery; the URLs are the routes' recipients. The secret comes from BULWARK_WEBHOOK_SECRET. */
export const WebhookSettings = z.strictObject({ timeout: Duration.default(10_000) });

/** Which incidents go where: a channel and its recipients, optionally by kind and severity. */
export const RouteSettings = z.strictObject({
  channel: Channel,
  /** Email addresses, E.164 phone numbers, webhook URLs, or anything for the console. */
  to: z.array(z.string().min(1)).min(1),
  kinds: z.array(IncidentKind).min(1).optional(),
  severities: z.array(Severity).min(1).optional(),
  /** Collect into one message a day at this time (in `notify.timezone`) instead of one each. */
  digest: z.strictObject({ at: Clock }).optional(),
});

/** A daily window in which some channels hold back all but some severities. */
export const QuietHoursSettings = z.strictObject({
  from: Clock,
  to: Clock,
  channels: z.array(Channel).min(1).default(['sms']),
  /** Severities that go through anyway. */
  except: z.array(Severity).default(['critical']),
});

export const RateLimitSettings = z.strictObject({
  /** At most this many messages to one recipient... */
  max: z.number().int().min(1),
  /** ...in any window this long. */
  per: Duration,
});

/** Where affected users' addresses come from when the events carry no `user.email`. */
export const DirectorySettings = z.strictObject({
  /** User name to address. */
  map: z.record(z.string(), z.string().regex(EMAIL, 'expected an email address')).optional(),
  /** An HTTP service; `{user}` in the URL is replaced. Bearer token from BULWARK_DIRECTORY_TOKEN, if set. */
  http: z
    .strictObject({
      url: z.string().regex(/^https?:\/\/.*\{user\}/, 'expected an http(s) URL containing {user}'),
      field: z.string().min(1).default('email'),
      timeout: Duration.default(5_000),
    })
    .optional(),
});

/** The user a login incident is about gets an email with a "this wasn't me" link. */
export const AffectedUserSettings = z.strictObject({
  kinds: z.array(IncidentKind).min(1).default(['new_ip_login', 'account_takeover']),
  /** How long the link stays valid. The signing secret comes from BULWARK_LINK_SECRET. */
  link_ttl: Duration.default(7 * 86_400_000),
  directory: DirectorySettings.optional(),
});

export const RetrySettings = z.strictObject({
  max_attempts: z.number().int().min(1).default(10),
  /** Backoff ceiling after the first failure; doubles each time, with jitter. */
  base: Duration.default(1_000),
  max: Duration.default(300_000),
});

/**
 * The `notify:` section of bulwark.yaml: channels, routes, quiet hours, rate limits, the affected
 * user's email. Strict like the rest of the config; cross-checks (a route's channel is configured,
 * recipients look like what their channel needs) are reported with paths. No secrets here.
 */
export const NotifyPolicySchema = z
  .strictObject({
    /** Where people reach this Bulwark; links in messages start with it. */
    public_url: z.url({ protocol: /^https?$/ }).default('http://localhost:8080'),
    /** Zone of quiet hours, digest times and times shown to people. */
    timezone: TimeZone.default('UTC'),
    email: SmtpSettings.optional(),
    sms: TwilioSettings.optional(),
    webhook: WebhookSettings.optional(),
    routes: z.array(RouteSettings).default([{ channel: 'console', to: ['log'] }]),
    quiet_hours: QuietHoursSettings.optional(),
    rate_limits: z.partialRecord(Channel, RateLimitSettings).default({}),
    affected_user: AffectedUserSettings.optional(),
    retry: RetrySettings.prefault({}),
  })
  .superRefine((policy, ctx) => {
    policy.routes.forEach((route, index) => {
      if (route.channel === 'email' && !policy.email) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'channel'],
          message: 'email routes need notify.email (the SMTP server)',
        });
      }
      if (route.channel === 'sms' && !policy.sms) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'channel'],
          message: 'sms routes need notify.sms (the Twilio account)',
        });
      }
      route.to.forEach((recipient, at) => {
        const path = ['routes', index, 'to', at];
        if (route.channel === 'email' && !EMAIL.test(recipient)) {
          ctx.addIssue({ code: 'custom', path, message: 'expected an email address' });
        }
        if (route.channel === 'sms' && !E164.test(recipient)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: 'expected a phone number in E.164 form such as +15551230000',
          });
        }
        if (route.channel === 'webhook' && !/^https?:\/\/\S+$/.test(recipient)) {
          ctx.addIssue({ code: 'custom', path, message: 'expected an http(s) URL' });
        }
      });
    });
    if (policy.affected_user && !policy.email) {
      ctx.addIssue({
        code: 'custom',
        path: ['affected_user'],
        message: 'the affected user is told by email: set notify.email',
      });
    }
  });

export type NotifyPolicy = z.output<typeof NotifyPolicySchema>;
export type NotifyPolicyInput = z.input<typeof NotifyPolicySchema>;
