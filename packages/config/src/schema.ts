import { NotifyPolicySchema } from '@bulwark/notify';
import { ByteSize, Duration, Port } from '@bulwark/schemas';
import { z } from 'zod';
import { HashedApiKey } from './api-keys.js';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Field names of application events that do not use ECS names: `user.name: username`, ... */
function isTimezone(text: string): boolean {
  if (/^(UTC|Z|[+-]\d{2}:?\d{2})$/.test(text)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: text });
    return true;
  } catch {
    return false;
  }
}

const AppMapping = z.strictObject({
  fields: z
    .partialRecord(
      z.enum([
        '@timestamp',
        'event.action',
        'event.outcome',
        'event.dataset',
        'user.name',
        'user.email',
        'source.ip',
        'source.port',
        'user_agent.original',
        'url.original',
        'tags',
      ]),
      z.string().min(1).max(256),
    )
    .optional(),
  actions: z.record(z.string(), z.string().min(1)).optional(),
  outcomes: z.record(z.string(), z.enum(['success', 'failure', 'unknown'])).optional(),
});

/** Addresses (CIDRs or single addresses) and user names no rule fires for. */
const Allowlist = z.strictObject({
  cidrs: z.array(z.string().min(1)).default([]),
  users: z.array(z.string().min(1)).default([]),
});

const Rules = z.strictObject({
  /** Rule files (YAML), read after the default pack: a rule with a pack rule's name replaces it. */
  files: z.array(z.string().min(1)).default([]),
  /** Whether to load the default rule pack first. */
  default_pack: z.boolean().default(true),
  /** How late, behind the newest event, an event may arrive and still be evaluated. */
  lateness: Duration.default(3_600_000),
  allow: Allowlist.prefault({}),
  /**
   * How often the rules engine's state is written to the data directory. A start re-evaluates the
   * events stored since: longer means less writing and a longer start after a crash.
   */
  snapshot_every: Duration.default(30_000),
  /**
   * How far apart (event time) an open incident's plain updates (more events, no rise in severity)
   * are written while events keep coming: under a storm from thousands of addresses, an update per
   * incident per interval instead of per batch. Openings, severity rises and closes are never held,
   * and everything held is written as soon as the rules have caught up with their input.
   */
  update_every: Duration.default(60_000),
});

/**
 * The whole configuration. Objects are strict: an unknown key is an error, so a typo is reported
 * rather than silently ignored. Secrets have no place here: they come from the environment only.
 */
export const ConfigSchema = z.strictObject({
  data_dir: z.string().min(1).default('./data'),
  log: z.strictObject({ level: LogLevel.default('info') }).prefault({}),
  http: z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0'),
      port: Port.default(8080),
      /** Largest request body, both as sent and after gzip is undone. */
      body_limit: ByteSize.default(10 * 1_048_576),
      max_line_bytes: ByteSize.default(65_536),
      /** Most lines in one POST; a larger batch is refused whole (413) rather than parsed. */
      max_batch_lines: z.number().int().min(1).default(100_000),
      rate_limit: z
        .strictObject({
          max: z.number().int().min(1).default(1200),
          window: Duration.default(60_000),
        })
        .prefault({}),
    })
    .prefault({}),
  syslog: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Address to bind; `::` takes IPv4 and IPv6. */
      host: z.string().min(1).default('::'),
      /** UDP and TCP port (the same number for both). */
      port: Port.default(5514),
      udp: z.boolean().default(true),
      tcp: z.boolean().default(true),
      /** RFC 5425 syslog over TLS; on when a certificate and key are given. */
      tls: z
        .strictObject({
          port: Port.default(6514),
          /** PEM files. The key's passphrase, if any, comes from BULWARK_SYSLOG_TLS_PASSPHRASE. */
          cert: z.string().min(1),
          key: z.string().min(1),
          /** CA that client certificates must chain to (for client_auth optional or required). */
          ca: z.string().min(1).optional(),
          client_auth: z.enum(['none', 'optional', 'required']).default('none'),
        })
        .optional(),
      /** Sender networks allowed (CIDRs); empty allows everyone. */
      allow: z.array(z.string().min(1)).default([]),
      max_message_bytes: ByteSize.default(65_536),
      /** What to do with a longer message: keep its first max_message_bytes, or drop it. */
      oversized: z.enum(['truncate', 'drop']).default('truncate'),
      max_connections: z.number().int().min(1).default(1000),
      /** A connection silent this long is closed (0: never). */
      idle_timeout: Duration.default(600_000),
      /** Most messages committed in one batch. */
      batch_size: z.number().int().min(1).max(100_000).default(1000),
    })
    .prefault({}),
  classifier: z
    .strictObject({
      /** Zone of timestamps written without one (RFC 3164): UTC, a fixed offset such as +02:00, or an IANA name. */
      timezone: z
        .string()
        .refine(
          isTimezone,
          'expected UTC, an offset such as +02:00, or an IANA zone name such as Europe/Berlin',
        )
        .default('UTC'),
      app_mapping: AppMapping.optional(),
    })
    .prefault({}),
  rules: Rules.prefault({}),
  store: z
    .strictObject({
      /** SQLite `synchronous`: `full` survives power loss, `normal` survives process crashes. */
      synchronous: z.enum(['full', 'normal']).default('full'),
    })
    .prefault({}),
  /** Who gets told what: channels, routes, quiet hours, rate limits, the affected user's email. */
  notify: NotifyPolicySchema.prefault({}),
  api_keys: z.array(HashedApiKey).default([]),
  shutdown_timeout: Duration.default(10_000),
});

export type Config = z.infer<typeof ConfigSchema>;
export type RulesConfig = Config['rules'];
