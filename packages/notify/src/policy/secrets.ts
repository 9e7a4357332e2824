import { MIN_LINK_SECRET_LENGTH } from '../tokens/link-token.js';
import type { NotifyPolicy } from './schema.js';

/** Secrets, read from the environment by the config module and handed over as values. */
export interface NotifySecrets {
  smtpPassword?: string;
  twilioAuthToken?: string;
  webhookSecret?: string;
  /** Signs "this wasn't me" links; at least 32 characters. */
  linkSecret?: string;
  /** Bearer token for the HTTP directory, if it wants one. */
  directoryToken?: string;
}

/** The environment variable each secret is read from. */
export const NOTIFY_SECRET_ENV = {
  smtpPassword: 'BULWARK_SMTP_PASSWORD',
  twilioAuthToken: 'BULWARK_TWILIO_AUTH_TOKEN',
  webhookSecret: 'BULWARK_WEBHOOK_SECRET',
  linkSecret: 'BULWARK_LINK_SECRET',
  directoryToken: 'BULWARK_DIRECTORY_TOKEN',
} as const satisfies Record<keyof NotifySecrets, string>;

export interface SecretProblem {
  env: string;
  message: string;
}

/** Every secret the policy needs but was not given (or is too weak), so all can be reported at once. */
export function secretProblems(policy: NotifyPolicy, secrets: NotifySecrets): SecretProblem[] {
  const problems: SecretProblem[] = [];
  const need = (key: keyof NotifySecrets, why: string) => {
    if (!secrets[key])
      problems.push({ env: NOTIFY_SECRET_ENV[key], message: `${NOTIFY_SECRET_ENV[key]} is not set: ${why}` });
  };
  if (policy.email?.username)
    need('smtpPassword', 'notify.email.username is set, so the SMTP server wants a password');
  if (policy.sms) need('twilioAuthToken', 'notify.sms needs the Twilio auth token');
  if (policy.routes.some((route) => route.channel === 'webhook')) {
    need('webhookSecret', 'webhook routes sign their requests with it');
  }
  if (policy.affected_user) {
    need('linkSecret', 'notify.affected_user signs "this wasn\'t me" links with it');
    if (secrets.linkSecret && secrets.linkSecret.length < MIN_LINK_SECRET_LENGTH) {
      problems.push({
        env: NOTIFY_SECRET_ENV.linkSecret,
        message: `${NOTIFY_SECRET_ENV.linkSecret} must be at least ${MIN_LINK_SECRET_LENGTH} characters`,
      });
    }
  }
  return problems;
}
