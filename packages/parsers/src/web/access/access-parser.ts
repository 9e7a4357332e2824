import { withAddress } from '../../fields.js';
import type { EventFields, LineMatch, LineParser, TimeContext } from '../../types.js';
import { detectThreats } from '../detect/threats.js';
import { splitRequest } from '../request-line.js';
import { type AccessRecord, parseAccessLine } from './access-line.js';

export const NGINX_ACCESS = 'nginx.access';
export const APACHE_ACCESS = 'apache.access';

/**
 * Which server wrote a line. The formats are the same, so a `source` hint decides; without one,
 * a virtual-host prefix means apache (`vhost_combined` is apache's named format) and anything
 * else is taken as nginx, the more common front server today.
 */
function datasetOf(record: AccessRecord, hint: string | undefined): string {
  if (hint === NGINX_ACCESS || hint === APACHE_ACCESS) return hint;
  return record.vhost !== undefined ? APACHE_ACCESS : NGINX_ACCESS;
}

/** The event of one access-log record: the request, and what it means for security. */
export function accessFields(record: AccessRecord, dataset: string): EventFields {
  const fields: EventFields = {
    'event.dataset': dataset,
    'event.category': ['web'],
    'event.outcome': record.status < 400 ? 'success' : 'failure',
    'bulwark.category': 'other',
  };
  withAddress(fields, record.client === '-' ? undefined : record.client);
  if (record.user !== undefined) fields['user.name'] = record.user;
  const request = splitRequest(record.request);
  if (request.method !== undefined) fields['http.request.method'] = request.method;
  if (request.url !== undefined) fields['url.original'] = request.url;
  if (request.path !== undefined) fields['url.path'] = request.path;
  if (request.query !== undefined) fields['url.query'] = request.query;
  fields['http.response.status_code'] = record.status;
  if (record.userAgent !== undefined) fields['user_agent.original'] = record.userAgent;

  const threats = detectThreats({
    path: request.path ?? '',
    query: request.query,
    userAgent: record.userAgent,
    missing: record.status === 404 || record.status === 410,
  });
  if (threats) {
    fields['bulwark.category'] = 'malicious_traffic';
    fields['bulwark.threat'] = threats;
    fields['event.action'] = 'http_attack';
  } else if (record.status === 401 && record.user !== undefined) {
    // Credentials were sent and refused: HTTP authentication failed for that user.
    fields['bulwark.category'] = 'failed_login';
    fields['event.action'] = 'http_auth_failed';
    fields['event.category'] = ['web', 'authentication'];
  }
  return fields;
}

/** nginx and apache access logs (combined, common, vhost_combined, with trailing extras). */
export class AccessLogParser implements LineParser {
  readonly datasets = [NGINX_ACCESS, APACHE_ACCESS] as const;

  parse(line: string, time: TimeContext, hint?: string): LineMatch | undefined {
    try {
      const record = parseAccessLine(line, time.zone);
      if (!record) return undefined;
      return { timeMs: record.timeMs, fields: accessFields(record, datasetOf(record, hint)) };
    } catch {
      // Nothing here should throw; if something does, the line is simply not read as access log.
      return undefined;
    }
  }
}
