import { login, note } from '../fields.js';
import type { EventFields, ProgramParser, SyslogLine } from '../types.js';

// `(?@24.79.92.194) [WARNING] Authentication failed for user [Administrator]`
const HEADER = /^\(([^@\s]{0,256})@([^)\s]{1,100})\) \[([A-Z]{1,10})\] (.{0,4096})$/;
const FAILED = /^Authentication failed for user \[(.{0,256})\]$/;
const LOGGED_IN = /^(\S{1,256}) is now logged in$/;

/** Pure-FTPd's syslog lines: failed and successful logins. */
export class PureFtpdParser implements ProgramParser {
  readonly dataset = 'pure-ftpd';
  readonly programs = ['pure-ftpd'];

  parse(line: SyslogLine): EventFields | undefined {
    const header = HEADER.exec(line.message);
    if (!header) return undefined;
    const [, , address, , text = ''] = header;
    let m = FAILED.exec(text);
    if (m) return login('failure', 'ftp_login', m[1], address);
    m = LOGGED_IN.exec(text);
    if (m) return login('success', 'ftp_login', m[1], address);
    return note('ftp_session', address);
  }
}
