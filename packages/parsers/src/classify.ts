import type { RawLog, SecurityEvent } from '@bulwark/schemas';
import { parseRfc3164 } from './envelope/rfc3164.js';
import { parseSshd } from './sshd.js';
import { parseOffsetMinutes } from './time.js';

/** OpenSSH 9.8 moved authentication into `sshd-session` (and `sshd-auth`), which log under their own names. */
const SSHD_PROGRAMS = new Set(['sshd', 'sshd-session', 'sshd-auth']);

export interface ClassifyOptions {
  /** Zone of timestamps written without one: `UTC` or a fixed offset such as `+02:00`. */
  timezone?: string;
}

/** A raw line plus the id its event gets (fresh for live ingest, positional for replay). */
export type ClassifyInput = Pick<RawLog, 'line' | 'received_at' | 'source'> & { id: string };

/**
 * Turns one raw line into a SecurityEvent. Never throws on content: a line it cannot read is kept
 * as an `other` event stamped with its receive time, so nothing is dropped.
 */
export function classify(input: ClassifyInput, options: ClassifyOptions = {}): SecurityEvent {
  const receivedMs = Date.parse(input.received_at);
  const offset = parseOffsetMinutes(options.timezone ?? 'UTC');
  const line = input.line;

  const syslog = parseRfc3164(line, receivedMs, offset);
  if (syslog) {
    const base = {
      '@timestamp': new Date(syslog.timeMs).toISOString(),
      'event.id': input.id,
      'event.created': input.received_at,
      'host.name': syslog.host,
      'process.name': syslog.program,
      ...(syslog.pid !== undefined ? { 'process.pid': syslog.pid } : {}),
      message: line,
    };
    if (SSHD_PROGRAMS.has(syslog.program)) {
      const fields = parseSshd(syslog.message);
      if (fields) {
        return { ...base, 'event.dataset': 'sshd', 'event.category': ['authentication'], ...fields };
      }
      return { ...base, 'event.dataset': 'sshd', 'bulwark.category': 'other' };
    }
    return { ...base, 'event.dataset': 'syslog', 'bulwark.category': 'other' };
  }

  return {
    '@timestamp': input.received_at,
    'event.id': input.id,
    'event.created': input.received_at,
    'event.dataset': input.source ?? 'unknown',
    message: line,
    'bulwark.category': 'other',
  };
}
