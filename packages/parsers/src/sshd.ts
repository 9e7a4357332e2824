import type { SecurityEvent } from '@bulwark/schemas';
import { normaliseAddress } from './ip.js';

/** The fields an sshd message contributes to an event. */
export type SshdFields = Pick<
  SecurityEvent,
  | 'event.action'
  | 'event.outcome'
  | 'bulwark.category'
  | 'user.name'
  | 'source.ip'
  | 'source.address'
  | 'source.port'
>;

// User names are bounded and matched lazily up to " from ": linear time on hostile input.
const FAILED =
  /^Failed (?:password|publickey|keyboard-interactive\/pam|keyboard-interactive|none|hostbased) for (?:invalid user )?(.{0,100}?) from (\S{1,100}) port (\d{1,5})/;
const INVALID_USER = /^Invalid user (.{0,100}?) from (\S{1,100})(?: port (\d{1,5}))?$/;
const ACCEPTED = /^Accepted (?:\S{1,40}) for (\S{1,100}) from (\S{1,100}) port (\d{1,5})/;

/**
 * Reads the security meaning of an sshd message (the part after `sshd[pid]: `): failed and
 * accepted logins, and unknown users. Returns undefined for messages it does not recognise.
 */
export function parseSshd(message: string): SshdFields | undefined {
  let match = FAILED.exec(message);
  if (match) return login('failure', 'ssh_login', match[1], match[2], match[3]);
  match = INVALID_USER.exec(message);
  if (match) return login('failure', 'invalid_user', match[1], match[2], match[3]);
  match = ACCEPTED.exec(message);
  if (match) return login('success', 'ssh_login', match[1], match[2], match[3]);
  return undefined;
}

function login(
  outcome: 'success' | 'failure',
  action: string,
  user: string | undefined,
  from: string | undefined,
  port: string | undefined,
): SshdFields {
  const fields: SshdFields = {
    'event.action': action,
    'event.outcome': outcome,
    'bulwark.category': outcome === 'success' ? 'successful_login' : 'failed_login',
  };
  if (user) fields['user.name'] = user;
  const address = normaliseAddress(from as string);
  if (address.ip) fields['source.ip'] = address.ip;
  if (address.address) fields['source.address'] = address.address;
  if (port !== undefined) fields['source.port'] = Number(port);
  return fields;
}
