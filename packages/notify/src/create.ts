import { readFileSync } from 'node:fs';
import { ConsoleNotifier, type NotificationLog } from './console/console-notifier.js';
import type { BackoffOptions } from './delivery/backoff.js';
import type { DeliveryRules } from './delivery/rules.js';
import { ChainDirectory, type Directory, HttpDirectory, MapDirectory } from './directory/directory.js';
import type { Route } from './plan.js';
import { deliveryRulesOf, routesOf } from './policy/resolve.js';
import type { NotifyPolicy } from './policy/schema.js';
import { type NotifySecrets, secretProblems } from './policy/secrets.js';
import type { Notifier } from './port.js';
import { type Composer, createComposer } from './render/composer.js';
import { Links } from './render/links.js';
import { createUserReports, type UserReports } from './reports.js';
import { SmtpEmailNotifier } from './smtp-email/smtp-email-notifier.js';
import { LinkSigner } from './tokens/link-token.js';
import { TwilioSmsNotifier } from './twilio-sms/twilio-sms-notifier.js';
import { WebhookNotifier } from './webhook/webhook-notifier.js';

export interface NotifyDeps {
  /** Where the console channel writes. */
  log: NotificationLog;
  /** Wall clock (webhook signature timestamps). */
  now: () => number;
  /** Reads `notify.email.ca_file`; readFileSync by default. */
  readFile?: (path: string) => Buffer;
  /** Talk to a Twilio-compatible API at this base URL instead of Twilio (a proxy; tests). */
  twilioApiBaseUrl?: string;
}

/** Everything the service wires: routes for the rules stage, the rest for the notify stage and API. */
export interface NotifySetup {
  /** For RulesStage `routes` (planning). */
  routes: Route[];
  /** For NotifyStage: one per configured channel. */
  notifiers: Notifier[];
  composer: Composer;
  delivery: DeliveryRules;
  maxAttempts: number;
  backoff: BackoffOptions;
  /** For the API's reportLink plugin; null when `notify.affected_user` is off. */
  reports: UserReports | null;
}

/**
 * Builds the notify side from the validated policy and the secrets. Throws, listing every missing
 * secret by its environment variable, when the policy needs one it was not given.
 */
export function createNotify(policy: NotifyPolicy, secrets: NotifySecrets, deps: NotifyDeps): NotifySetup {
  const problems = secretProblems(policy, secrets);
  if (problems.length > 0) {
    throw new Error(
      `notify cannot start:\n${problems.map((problem) => `  - ${problem.message}`).join('\n')}`,
    );
  }
  const routes = routesOf(policy);
  const signer = policy.affected_user ? new LinkSigner(secrets.linkSecret as string) : undefined;
  const links = new Links({
    publicUrl: policy.public_url,
    ...(signer ? { signer } : {}),
    ...(policy.affected_user ? { reportTtlMs: policy.affected_user.link_ttl } : {}),
  });

  const notifiers: Notifier[] = [new ConsoleNotifier(deps.log)];
  if (policy.email) {
    const email = policy.email;
    notifiers.push(
      new SmtpEmailNotifier({
        host: email.host,
        security: email.security,
        from: email.from,
        timeoutMs: email.timeout,
        ...(email.port !== undefined ? { port: email.port } : {}),
        ...(email.username ? { username: email.username, password: secrets.smtpPassword as string } : {}),
        ...(email.reply_to ? { replyTo: email.reply_to } : {}),
        ...(email.ca_file ? { tls: { ca: (deps.readFile ?? readFileSync)(email.ca_file) } } : {}),
      }),
    );
  }
  if (policy.sms) {
    notifiers.push(
      new TwilioSmsNotifier({
        accountSid: policy.sms.account_sid,
        authToken: secrets.twilioAuthToken as string,
        timeoutMs: policy.sms.timeout,
        ...(policy.sms.from ? { from: policy.sms.from } : {}),
        ...(policy.sms.messaging_service_sid
          ? { messagingServiceSid: policy.sms.messaging_service_sid }
          : {}),
        ...((deps.twilioApiBaseUrl ?? policy.sms.api_url)
          ? { apiBaseUrl: (deps.twilioApiBaseUrl ?? policy.sms.api_url) as string }
          : {}),
      }),
    );
  }
  if (policy.routes.some((route) => route.channel === 'webhook')) {
    notifiers.push(
      new WebhookNotifier({
        secret: secrets.webhookSecret as string,
        now: deps.now,
        ...(policy.webhook ? { timeoutMs: policy.webhook.timeout } : {}),
      }),
    );
  }

  const directories: Directory[] = [];
  const directory = policy.affected_user?.directory;
  if (directory?.map) directories.push(new MapDirectory(directory.map));
  if (directory?.http) {
    directories.push(
      new HttpDirectory({
        url: directory.http.url,
        field: directory.http.field,
        timeoutMs: directory.http.timeout,
        ...(secrets.directoryToken ? { token: secrets.directoryToken } : {}),
      }),
    );
  }

  return {
    routes,
    notifiers,
    composer: createComposer({
      links,
      timezone: policy.timezone,
      ...(directories.length > 0 ? { directory: new ChainDirectory(directories) } : {}),
    }),
    delivery: deliveryRulesOf(policy),
    maxAttempts: policy.retry.max_attempts,
    backoff: { baseMs: policy.retry.base, maxMs: policy.retry.max },
    reports: signer ? createUserReports({ signer, routes }) : null,
  };
}
