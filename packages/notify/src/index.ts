export { ConsoleNotifier, type NotificationLog } from './console/console-notifier.js';
export { createNotify, type NotifyDeps, type NotifySetup } from './create.js';
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './delivery/backoff.js';
export { DIGEST_KEY, OVERFLOW_KEY } from './delivery/fold-keys.js';
export { type DeliveryRules, NO_DELIVERY_RULES, type RateLimit } from './delivery/rules.js';
export {
  type Deferral,
  type Fold,
  type ScheduleContext,
  type SchedulePlan,
  schedule,
  type Usage,
} from './delivery/schedule.js';
export { summarize } from './delivery/summary.js';
export {
  ChainDirectory,
  type Directory,
  HttpDirectory,
  type HttpDirectoryOptions,
  type Lookup,
  MapDirectory,
} from './directory/directory.js';
export {
  AFFECTED_USER_PREFIX,
  formatBody,
  formatSubject,
  type NotifiableChange,
  notificationId,
  planNotifications,
  planUserReport,
  type Route,
  snapshotOf,
} from './plan.js';
export { deliveryRulesOf, routesOf } from './policy/resolve.js';
export {
  type NotifyPolicy,
  type NotifyPolicyInput,
  NotifyPolicySchema,
} from './policy/schema.js';
export {
  NOTIFY_SECRET_ENV,
  type NotifySecrets,
  type SecretProblem,
  secretProblems,
} from './policy/secrets.js';
export type * from './port.js';
export {
  type Composed,
  type ComposeInput,
  type Composer,
  type ComposerOptions,
  createComposer,
  plainComposer,
} from './render/composer.js';
export { renderEmail } from './render/email.js';
export { gsm7Length, isGsm7, toGsm7 } from './render/gsm7.js';
export {
  incidentIdFromRef,
  type LinkOptions,
  Links,
  REPORT_PATH,
  SHORT_PATH,
  shortRef,
} from './render/links.js';
export { renderSms } from './render/sms.js';
export { renderWebhook } from './render/webhook.js';
export { createUserReports, type UserReports } from './reports.js';
export { SmtpEmailNotifier, type SmtpEmailOptions } from './smtp-email/smtp-email-notifier.js';
export { translateSmtpError } from './smtp-email/smtp-errors.js';
export {
  LinkSigner,
  MIN_LINK_SECRET_LENGTH,
  type ReportClaims,
  type TokenCheck,
} from './tokens/link-token.js';
export { translateTwilioError } from './twilio-sms/twilio-errors.js';
export { TwilioSmsNotifier, type TwilioSmsOptions } from './twilio-sms/twilio-sms-notifier.js';
export {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
  verifyWebhookSignature,
  webhookSignature,
} from './webhook/signature.js';
export { WebhookNotifier, type WebhookOptions } from './webhook/webhook-notifier.js';
