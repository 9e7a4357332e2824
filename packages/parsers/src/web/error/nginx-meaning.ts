import { withAddress } from '../../fields.js';
import type { EventFields } from '../../types.js';
import { detectThreats } from '../detect/threats.js';
import { splitRequest } from '../request-line.js';
import type { ErrorRecord } from './error-record.js';

/**
 * What an nginx error-log message means for security. Basic-auth failures are failed logins of
 * the user named; TLS handshakes that break off are counted as failures too, as fail2ban's
 * nginx-http-auth does (they are clients that are not browsers). Requests for files that do not
 * exist, or that access rules forbid, are judged by the same request detection as access logs,
 * with the miss counting for bot-search targets.
 */

// The user name is the client's and may hold quotes (`user "a": password mismatch ..."`): the
// greedy, bounded match takes all of it up to the last verdict nginx wrote.
const AUTH_FAILED = /^user "(.{0,1024})":? (password mismatch|was not found in ")/;
const TLS_HANDSHAKE = /^SSL_do_handshake\(\) failed .{0,1024}while SSL handshaking/;
const MISSING = /^(?:open\(\) ".{0,4096}" failed|".{0,4096}" is not found) \(2: No such file or directory\)/;
const FORBIDDEN = /^(?:access forbidden by rule|directory index of ".{0,4096}" is forbidden)/;

function requestFields(record: ErrorRecord, fields: EventFields, missing: boolean): EventFields {
  if (record.request === undefined) return fields;
  const request = splitRequest(record.request);
  if (request.method !== undefined) fields['http.request.method'] = request.method;
  if (request.url !== undefined) fields['url.original'] = request.url;
  if (request.path !== undefined) fields['url.path'] = request.path;
  if (request.query !== undefined) fields['url.query'] = request.query;
  const threats = detectThreats({ path: request.path ?? '', query: request.query, missing });
  if (threats) {
    fields['bulwark.category'] = 'malicious_traffic';
    fields['bulwark.threat'] = threats;
    fields['event.action'] = 'http_probe';
  }
  return fields;
}

/** The event fields of an nginx error-log record. */
export function nginxErrorFields(record: ErrorRecord): EventFields {
  let fields: EventFields;
  const auth = AUTH_FAILED.exec(record.message);
  if (auth) {
    fields = {
      'event.action': auth[2] === 'password mismatch' ? 'http_auth_failed' : 'http_auth_unknown_user',
      'event.outcome': 'failure',
      'event.category': ['web', 'authentication'],
      'bulwark.category': 'failed_login',
    };
    if (auth[1] !== '') fields['user.name'] = auth[1] as string;
  } else if (TLS_HANDSHAKE.test(record.message)) {
    fields = {
      'event.action': 'tls_handshake_failed',
      'event.outcome': 'failure',
      'event.category': ['web', 'authentication'],
      'bulwark.category': 'failed_login',
    };
  } else if (MISSING.test(record.message)) {
    fields = requestFields(
      record,
      { 'event.action': 'http_file_not_found', 'event.category': ['web'], 'bulwark.category': 'other' },
      true,
    );
  } else if (FORBIDDEN.test(record.message)) {
    fields = requestFields(
      record,
      { 'event.action': 'http_forbidden', 'event.category': ['web'], 'bulwark.category': 'other' },
      false,
    );
  } else {
    fields = { 'event.category': ['web'], 'bulwark.category': 'other' };
  }
  fields['event.dataset'] = 'nginx.error';
  return withAddress(fields, record.client, record.port);
}
