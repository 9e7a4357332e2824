import type { EventFields, ProgramParser, SyslogLine } from '../types.js';
import { UTC } from '../zone.js';
import { parseAccessLine } from './access/access-line.js';
import { accessFields } from './access/access-parser.js';
import { APACHE_ERROR, NGINX_ERROR, readErrorLine } from './error/error-parser.js';

/**
 * Web server logs sent through syslog (`ErrorLog syslog:...`, nginx's `access_log syslog:...`
 * and `error_log syslog:...`): the message is an access or error line, without a time of its
 * own in apache's case; the envelope gives time, host and program. Messages of these programs
 * that are neither (start-up notices) are kept as `other` under the server's error dataset.
 */
export class WebSyslogParser implements ProgramParser {
  readonly dataset = APACHE_ERROR;
  readonly programs = ['httpd', 'apache', 'apache2', 'nginx'] as const;

  parse(line: SyslogLine): EventFields {
    const nginx = line.program === 'nginx';
    try {
      const access = parseAccessLine(line.message, UTC);
      if (access) return accessFields(access, nginx ? 'nginx.access' : 'apache.access');
    } catch {
      // Not an access line; try the error forms.
    }
    const error = readErrorLine(line.message, UTC, false);
    if (error) return error.fields;
    return { 'event.dataset': nginx ? NGINX_ERROR : APACHE_ERROR, 'bulwark.category': 'other' };
  }
}
