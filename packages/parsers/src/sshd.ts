import { normaliseAddress, type SecurityEvent } from '@bulwark/schemas';

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

// An invalid user name is whatever the client sent, " from 10.0.0.1 port 1" included. The user
// group is greedy and the address is anchored to the end of the line, so the address taken is always
// the last one, the one sshd wrote. Bounded repetition keeps the match linear on hostile input.
const FAILED =
  /^Failed (?:password|publickey|keyboard-interactive\/pam|keyboard-interactive|none|hostbased) for (?:invalid user )?(.{0,256}) from (\S{1,100}) port (\d{1,5})(?: ssh2)?(?: \[preauth\])?$/;
const INVALID_USER = /^Invalid user (.{0,256}) from (\S{1,100})(?: port (\d{1,5}))?(?: \[preauth\])?$/;
// Accepted logins are for real accounts, whose names hold no spaces; the key fingerprint may follow.
const ACCEPTED =
  /^Accepted \S{1,40} for (\S{1,100}) from (\S{1,100}) port (\d{1,5})(?: ssh2)?(?:: [^\n]{0,1024})?$/;

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
