import { login, withAddress } from '../fields.js';
import type { EventFields, LineMatch, LineParser, TimeContext } from '../types.js';
import type { AppField, AppMapping } from './mapping.js';

/** Objects nested deeper than this are not read: no app event needs it, and it bounds the work. */
const MAX_DEPTH = 6;
const MAX_FIELDS = 256;

const LOGIN_ACTIONS = new Set([
  'login',
  'log_in',
  'logon',
  'signin',
  'sign_in',
  'authentication',
  'authenticate',
]);
const ACCOUNT_CHANGES = new Set([
  'password_change',
  'password_reset',
  'email_change',
  'mfa_change',
  'mfa_enable',
  'mfa_disable',
  'mfa_reset',
  'phone_change',
  'username_change',
  'recovery_change',
  'role_change',
  'api_key_create',
]);

/** Flattens nested objects into dotted keys (`{"user":{"name":"a"}}` → `user.name`); dotted keys stay. */
function flatten(
  value: Record<string, unknown>,
  prefix: string,
  out: Map<string, unknown>,
  depth: number,
): void {
  for (const [key, child] of Object.entries(value)) {
    if (out.size >= MAX_FIELDS) return;
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (child !== null && typeof child === 'object' && !Array.isArray(child) && depth < MAX_DEPTH) {
      flatten(child as Record<string, unknown>, name, out, depth + 1);
    } else {
      out.set(name, child);
    }
  }
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value.slice(0, 1024);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Epoch ms of an ISO string or a number of seconds (or milliseconds, when it is that large). */
function readTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e11 ? value : value * 1000;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * Application events written as JSON with ECS names, nested (`{"user":{"name":...}}`) or dotted
 * (`{"user.name":...}`), or with the app's own names through a mapping. Logins become failed or
 * successful logins, account changes (`password_change`, `email_change`, `mfa_change`, ...) become
 * `account_change`, and a `breached_credential` tag marks a login tried with a known-breached
 * password (`breached_credential`, whatever its outcome).
 */
export class AppJsonParser implements LineParser {
  readonly datasets = ['app'];

  constructor(private readonly mapping: AppMapping = {}) {}

  parse(line: string, time: TimeContext): LineMatch | undefined {
    if (line.charCodeAt(0) !== 123) return undefined; // {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const flat = new Map<string, unknown>();
    flatten(parsed as Record<string, unknown>, '', flat, 0);
    const read = (field: AppField): unknown => {
      const own = this.mapping.fields?.[field];
      return (own !== undefined ? flat.get(own) : undefined) ?? flat.get(field);
    };

    const rawAction = asString(read('event.action'))?.toLowerCase();
    const action = rawAction === undefined ? undefined : (this.mapping.actions?.[rawAction] ?? rawAction);
    const rawOutcome = asString(read('event.outcome'))?.toLowerCase();
    const outcome =
      rawOutcome === undefined ? undefined : (this.mapping.outcomes?.[rawOutcome] ?? rawOutcome);
    const tagValue = read('tags');
    const tags = Array.isArray(tagValue)
      ? tagValue.filter((tag): tag is string => typeof tag === 'string').slice(0, 32)
      : undefined;
    const user = asString(read('user.name'));
    const ip = asString(read('source.ip'));

    let fields: EventFields;
    if (
      action !== undefined &&
      LOGIN_ACTIONS.has(action) &&
      (outcome === 'success' || outcome === 'failure')
    ) {
      fields = login(outcome, action, user, ip);
      if (tags?.includes('breached_credential')) fields['bulwark.category'] = 'breached_credential';
    } else {
      fields = withAddress({ 'bulwark.category': 'other' }, ip);
      if (action !== undefined) fields['event.action'] = action;
      if (outcome === 'success' || outcome === 'failure' || outcome === 'unknown')
        fields['event.outcome'] = outcome;
      if (user !== undefined) fields['user.name'] = user;
      if (action !== undefined && ACCOUNT_CHANGES.has(action) && outcome !== 'failure') {
        fields['bulwark.category'] = 'account_change';
        fields['event.category'] = ['iam'];
      }
    }
    const email = asString(read('user.email'));
    if (email !== undefined) fields['user.email'] = email;
    const port = read('source.port');
    if (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535)
      fields['source.port'] = port;
    const agent = asString(read('user_agent.original'));
    if (agent !== undefined) fields['user_agent.original'] = agent;
    const url = asString(read('url.original'));
    if (url !== undefined) fields['url.original'] = url;
    if (tags && tags.length > 0) fields.tags = tags;
    const dataset = asString(read('event.dataset'));
    if (dataset !== undefined) fields['event.dataset'] = dataset;

    return { timeMs: readTime(read('@timestamp')) ?? time.referenceMs, fields };
  }
}
