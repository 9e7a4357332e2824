import { z } from 'zod';

/** What a recognised line means for security. Closed set: the rules engine matches on it. */
export const Category = z.enum([
  'failed_login',
  'successful_login',
  'account_change',
  'malicious_traffic',
  'breached_credential',
  'other',
]);
export type Category = z.infer<typeof Category>;

/** Kinds of malicious traffic, set on `bulwark.threat` when the category is `malicious_traffic`. */
export const Threat = z.enum(['sqli', 'xss', 'path_traversal', 'sensitive_resource', 'scanner']);
export type Threat = z.infer<typeof Threat>;

export const Outcome = z.enum(['success', 'failure', 'unknown']);

const isoTime = z.iso.datetime({ offset: true });

/**
 * One recognised log line, with Elastic Common Schema field names written flat (dotted keys), as
 * Elasticsearch accepts them and as rules address them (`event['source.ip']`).
 *
 * `@timestamp` is event time, read from the line itself; `message` is the raw line, so nothing the
 * sender wrote is lost even when the line is classified as `other`.
 */
export const SecurityEvent = z.object({
  '@timestamp': isoTime,
  'event.id': z.string().min(1),
  'event.created': isoTime.optional(),
  'event.dataset': z.string().min(1),
  'event.action': z.string().optional(),
  'event.outcome': Outcome.optional(),
  'event.category': z.array(z.string()).optional(),
  'source.ip': z.string().optional(),
  'source.address': z.string().optional(),
  'source.port': z.number().int().min(0).max(65535).optional(),
  'user.name': z.string().optional(),
  'user.email': z.string().optional(),
  'host.name': z.string().optional(),
  'process.name': z.string().optional(),
  'process.pid': z.number().int().optional(),
  'url.original': z.string().optional(),
  'url.path': z.string().optional(),
  'url.query': z.string().optional(),
  'http.request.method': z.string().optional(),
  'http.response.status_code': z.number().int().optional(),
  'user_agent.original': z.string().optional(),
  message: z.string(),
  tags: z.array(z.string()).optional(),
  'bulwark.category': Category,
  'bulwark.threat': z.array(Threat).optional(),
});
export type SecurityEvent = z.infer<typeof SecurityEvent>;

/** A SecurityEvent as the store hands it back: with its position in the store's append order. */
export type StoredEvent = SecurityEvent & { 'bulwark.seq': number };
