import { login, note } from '../fields.js';
import type { EventFields, ProgramParser, SyslogLine } from '../types.js';

// `<server> (<client name>[<client address>])` then `: ` or ` - `, then what happened. The address
// in brackets is the one proftpd saw; anything after it (a user name, "from X") is the client's.
const HEADER = /^\S{1,255} \((\S{0,255}?)\[([0-9A-Fa-f:.]{1,64})\]\)(?::| -) (.{0,4096})$/;
const LOGIN_FAILED = /^USER (.{0,256}?) \(Login failed\):/;
const NO_SUCH_USER = /^USER (.{0,512}?): no such user found/;
const LOGIN_OK = /^USER (\S{1,256}): Login successful/;
const ROOT_ATTEMPT = /^SECURITY VIOLATION: (\S{1,64}) login attempted/;
const MAX_ATTEMPTS = /^Maximum login attempts \(\d{1,6}\) exceeded/;

/** ProFTPD's syslog lines: failed and successful logins, refused root logins, exceeded attempts. */
export class ProftpdParser implements ProgramParser {
  readonly dataset = 'proftpd';
  readonly programs = ['proftpd'];

  parse(line: SyslogLine): EventFields | undefined {
    const header = HEADER.exec(line.message);
    if (!header) return undefined;
    const [, , address, text = ''] = header;
    let m = LOGIN_FAILED.exec(text);
    if (m) return login('failure', 'ftp_login', m[1], address);
    m = NO_SUCH_USER.exec(text);
    if (m) return login('failure', 'ftp_login', m[1], address);
    m = ROOT_ATTEMPT.exec(text);
    if (m) return login('failure', 'root_login_refused', m[1], address);
    if (MAX_ATTEMPTS.test(text)) return login('failure', 'max_auth_attempts', undefined, address);
    m = LOGIN_OK.exec(text);
    if (m) return login('success', 'ftp_login', m[1], address);
    return note('ftp_session', address);
  }
}
