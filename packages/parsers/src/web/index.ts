import type { LineParser, ProgramParser } from '../types.js';
import { AccessLogParser } from './access/access-parser.js';
import { ErrorLogParser } from './error/error-parser.js';
import { WebSyslogParser } from './web-syslog.js';

export { injectionEngine } from './detect/injection.js';
export { detectThreats, type RequestView } from './detect/threats.js';

/**
 * Line parsers for web server logs: nginx and apache access logs (datasets `nginx.access`,
 * `apache.access`) and error logs (`apache.error`, `nginx.error`). See README.md beside this file.
 */
export function createWebLineParsers(): LineParser[] {
  return [new AccessLogParser(), new ErrorLogParser()];
}

/** The same logs arriving through syslog, routed by program name (`httpd`, `apache2`, `nginx`). */
export function createWebProgramParsers(): ProgramParser[] {
  return [new WebSyslogParser()];
}
