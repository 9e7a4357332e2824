import { withAddress } from '../../fields.js';
import type { EventFields } from '../../types.js';
import { isProbeFile } from '../detect/probes.js';
import { isSensitivePath } from '../detect/sensitive.js';
import type { ErrorRecord } from './error-record.js';

/**
 * What an apache error-log message means for security. HTTP authentication failures (mod_auth_basic,
 * mod_auth_digest, mod_authz_*) are failed logins of the user they name; refusals by access rules
 * count as failed logins too, as fail2ban's apache-auth counts them, except when the refused file
 * is one no client has business asking for (`.htaccess`): that is a probe. Requests for missing
 * scripts and files are probes when they name bot-search targets or sensitive files.
 *
 * Every pattern is anchored at the start of the message and bounded, so text a client chose (a
 * user name, a path) can neither change which pattern matches nor make one backtrack.
 */

type Reading = (m: RegExpExecArray, record: ErrorRecord) => EventFields;

const failedLogin =
  (action: string, userGroup?: number): Reading =>
  (m) => {
    const fields: EventFields = {
      'event.action': action,
      'event.outcome': 'failure',
      'event.category': ['web', 'authentication'],
      'bulwark.category': 'failed_login',
    };
    const user = userGroup === undefined ? undefined : m[userGroup];
    if (user !== undefined && user !== '') fields['user.name'] = user;
    return fields;
  };

/** A missing file or script: a probe when its name says so, else an ordinary miss. */
const missing: Reading = (m) => {
  const path = stripReferer(m[1] as string);
  const threats: ('scanner' | 'sensitive_resource')[] = [];
  if (isSensitivePath(path)) threats.push('sensitive_resource');
  if (isProbeFile(path)) threats.push('scanner');
  if (threats.length === 0) return note('http_file_not_found');
  return probe('http_probe', threats);
};

/** A request refused by access rules: a probe for a sensitive file, else a failed access. */
const denied: Reading = (m, record) => {
  // mod_evasive refuses floods, not credentials: fail2ban's normal mode ignores it too.
  if (record.module?.startsWith('evasive')) return note('http_flood_refused');
  const path = stripReferer(m[1] as string);
  if (isSensitivePath(path)) return probe('http_probe', ['sensitive_resource']);
  return failedLogin('http_access_denied')(m, record);
};

const PATTERNS: [RegExp, Reading][] = [
  // A Basic user name cannot hold `:`, so `user NAME: ...` ends the name at the first colon.
  [/^user ([^:]{0,256}): authentication failure for "/, failedLogin('http_auth_failed', 1)],
  [/^user ([^:]{0,256}): password mismatch/, failedLogin('http_auth_failed', 1)],
  [/^user ([^:]{0,256}): authorization failure for "/, failedLogin('http_authz_failed', 1)],
  // `user `NAME' in realm `REALM' not found` is the only message of this shape.
  [/^user `(.{0,256}?)' in realm `/, failedLogin('http_auth_unknown_user', 1)],
  [/^user ([^:]{0,256}?) not found(?:[:,]|$)/, failedLogin('http_auth_unknown_user', 1)],
  [/^Authorization of user (.{0,256}?) to access /, failedLogin('http_authz_failed', 1)],
  [/^client used wrong authentication scheme/, failedLogin('http_auth_wrong_scheme')],
  [/^invalid qop /, failedLogin('http_digest_invalid')],
  [/^realm mismatch - got /, failedLogin('http_digest_invalid')],
  [/^unknown algorithm /, failedLogin('http_digest_invalid')],
  // A nonce that fails its hash is what a legitimate client sends after a server restart:
  // fail2ban leaves it alone, and so does Bulwark. Malformed or time-travelling nonces are forged.
  [/^invalid nonce .{0,256} received - hash is not /, () => note('http_digest_stale_nonce')],
  [/^invalid nonce .{0,256} received - /, failedLogin('http_digest_invalid')],
  // TLS clients that name a host they then do not ask for, or none: scanners and forged
  // requests, which fail2ban's apache-auth counts as failures.
  [
    /^(?:Hostname .{0,256} provided via SNI(?:,| and)|No hostname was provided via SNI)/,
    failedLogin('tls_sni_mismatch'),
  ],
  [/^client denied by server configuration: (.{0,4096})/, denied],
  [/^File does not exist: (.{0,4096})/, missing],
  [/^script not found or unable to stat: (.{0,4096})/, missing],
  [/^script '(.{0,4096}?)' not found or unable to stat/, missing],
];

// 2.2's mod_auth_digest prefixes its messages with `Digest: `.
const DIGEST_PREFIX = 'Digest: ';

function stripReferer(text: string): string {
  const at = text.indexOf(', referer: ');
  return (at < 0 ? text : text.slice(0, at)).trim();
}

function note(action: string): EventFields {
  return { 'event.action': action, 'event.category': ['web'], 'bulwark.category': 'other' };
}

function probe(action: string, threats: ('scanner' | 'sensitive_resource')[]): EventFields {
  return {
    'event.action': action,
    'event.category': ['web'],
    'bulwark.category': 'malicious_traffic',
    'bulwark.threat': threats,
  };
}

/** The event fields of an apache error-log record. */
export function apacheErrorFields(record: ErrorRecord): EventFields {
  const message = record.message.startsWith(DIGEST_PREFIX)
    ? record.message.slice(DIGEST_PREFIX.length)
    : record.message;
  let fields: EventFields | undefined;
  for (const [pattern, reading] of PATTERNS) {
    const m = pattern.exec(message);
    if (m) {
      fields = reading(m, record);
      break;
    }
  }
  fields ??= { 'event.category': ['web'], 'bulwark.category': 'other' };
  fields['event.dataset'] = 'apache.error';
  return withAddress(fields, record.client, record.port);
}
