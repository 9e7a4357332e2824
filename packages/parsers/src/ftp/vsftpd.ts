import { login, note } from '../fields.js';
import { monthIndex } from '../time.js';
import type { EventFields, LineMatch, LineParser, ProgramParser, SyslogLine, TimeContext } from '../types.js';
import { parsePamFailure } from './pam.js';

/** vsftpd's lines in syslog: PAM failures (`vsftpd: pam_unix(vsftpd:auth): authentication failure; ...`). */
export class VsftpdSyslogParser implements ProgramParser {
  readonly dataset = 'vsftpd';
  readonly programs = ['vsftpd'];

  parse(line: SyslogLine): EventFields | undefined {
    return parsePamFailure(line.message);
  }
}

// `Sat Nov 21 04:30:00 2026 [pid 9966] [admin] FAIL LOGIN: Client "::ffff:89.51.247.70"[, "reason"]`
const OWN_LOG =
  /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) \[pid \d{1,10}\](?: \[([^\]]{0,256})\])? ([A-Z]{2,8}) ([A-Z ]{2,20}): Client "([^"]{1,100})"/;

/**
 * vsftpd's own log (`vsftpd.log`, `xferlog_std_format=NO`). Its times are local, without a zone:
 * the configured timezone applies.
 */
export class VsftpdLogParser implements LineParser {
  readonly datasets = ['vsftpd'];

  parse(line: string, time: TimeContext): LineMatch | undefined {
    const first = line.charCodeAt(0);
    if (first < 65 || first > 90) return undefined;
    const m = OWN_LOG.exec(line);
    if (!m) return undefined;
    const month = monthIndex(m[1] as string);
    if (month === undefined) return undefined;
    const year = Number(m[6]);
    const timeMs = time.zone.toUtc(
      Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])),
    );
    const [, , , , , , , user, verdict, action, client] = m;
    const what = `${verdict} ${action}`;
    let fields: EventFields;
    if (what === 'FAIL LOGIN') fields = login('failure', 'ftp_login', user, client);
    else if (what === 'OK LOGIN') fields = login('success', 'ftp_login', user, client);
    else fields = note(`ftp_${(action as string).toLowerCase().replace(/ /g, '_')}`, client, user);
    return { timeMs, fields };
  }
}
