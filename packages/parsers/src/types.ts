import type { Category, SecurityEvent } from '@bulwark/schemas';
import type { TimeZone } from './zone.js';

/**
 * What a format parser contributes to an event. The classifier adds `@timestamp`, `event.id`,
 * `event.created` and `message`; `event.dataset` defaults to the parser's own.
 */
export type EventFields = Partial<
  Omit<SecurityEvent, '@timestamp' | 'event.id' | 'event.created' | 'message' | 'bulwark.category'>
> & { 'bulwark.category': Category };

/** What completes timestamps that lack a year or a zone. */
export interface TimeContext {
  /** Receive time (epoch ms): a year-less timestamp takes the year that puts it closest before this. */
  referenceMs: number;
  /** Zone of timestamps written without one. */
  zone: TimeZone;
}

/** A syslog line taken apart: RFC 3164, RFC 5424, or a journald/shipper variant. */
export interface SyslogLine {
  timeMs: number;
  host?: string;
  /** APP-NAME / TAG without the pid, as written (`sshd`, `vsftpd`, `proftpd`, `pure-ftpd`). */
  program: string;
  pid?: number;
  /** Syslog priority, when the line carried one. */
  facility?: number;
  severity?: number;
  message: string;
}

/**
 * Reads the message of syslog lines written by some programs. May keep state across lines
 * (sshd sessions by pid), bounded in size; the classifier owns one instance per stream.
 * Must not throw on any input, and its regexes must stay linear on hostile input.
 */
export interface ProgramParser {
  /** Dataset of its events (`sshd`, `vsftpd`, ...). */
  readonly dataset: string;
  /** Program names it reads; the classifier routes syslog lines by `program`. */
  readonly programs: readonly string[];
  /** The security meaning of one message, or undefined when it has none it recognises. */
  parse(line: SyslogLine): EventFields | undefined;
}

/** A whole line of a format of its own (web access logs, vsftpd's log, JSON events), taken apart. */
export interface LineMatch {
  timeMs: number;
  fields: EventFields;
}

/**
 * Recognises lines of one non-syslog format. `parse` returns undefined quickly for lines of other
 * formats: it runs on every line that is not syslog. Must not throw on any input.
 */
export interface LineParser {
  /** Datasets it can produce; a `source` hint naming one of them sends the line here first. */
  readonly datasets: readonly string[];
  parse(line: string, time: TimeContext, hint?: string): LineMatch | undefined;
}
