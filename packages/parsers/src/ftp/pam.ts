import { login, withAddress } from '../fields.js';
import type { EventFields } from '../types.js';

// `pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=R rhost=H [user=U]`
// and the older `(pam_unix) authentication failure; ...` / `authentication failure; ...` forms.
const PAM_FAILURE =
  /^(?:pam_[a-z]{1,20}\([\w-]{1,32}:auth\):\s{1,4}|\(pam_[a-z]{1,20}\)\s{1,4})?authentication failure;(?: (?:logname|e?uid|tty)=\S{0,100}){0,4}\s{1,4}ruser=(\S{0,100})\s{1,4}rhost=(\S{1,100})(?:\s{1,4}user=(\S{0,100}))?/;

/**
 * A PAM authentication failure reported by an FTP daemon. Unlike sshd, FTP daemons do not log the
 * attempt a second time, so the PAM line is the failed login.
 */
export function parsePamFailure(message: string): EventFields | undefined {
  const m = PAM_FAILURE.exec(message);
  if (!m) return undefined;
  const [, ruser, rhost, user] = m;
  const fields = login('failure', 'ftp_login', user || ruser, undefined);
  return withAddress(fields, rhost);
}
