import type { RawLog, SecurityEvent } from '@bulwark/schemas';
import type { AppMapping } from './app/mapping.js';
import { parseSyslog } from './envelope/syslog.js';
import { createLineParsers, createProgramParsers } from './registry.js';
import type { EventFields, LineParser, ProgramParser, SyslogLine, TimeContext } from './types.js';
import { parseZone, type TimeZone } from './zone.js';

export interface ClassifyOptions {
  /** Zone of timestamps written without one: `UTC`, a fixed offset (`+02:00`) or an IANA name. */
  timezone?: string;
  /** How to read application events that do not use ECS names. */
  appMapping?: AppMapping;
}

/** A raw line plus the id its event gets (fresh for live ingest, positional for replay). */
export type ClassifyInput = Pick<RawLog, 'line' | 'received_at' | 'source'> & { id: string };

/** Dataset of syslog lines from programs no parser reads. */
const SYSLOG_DATASET = 'syslog';

/**
 * Turns raw lines into SecurityEvents, detecting the format of each line. One instance per stream
 * of lines: some formats need what earlier lines said (an sshd session's address), so lines must
 * arrive in order. Never throws on content: a line it cannot read is kept as `other`.
 */
export class Classifier {
  private readonly programs = new Map<string, ProgramParser>();
  private readonly lineParsers: readonly LineParser[];
  private readonly zone: TimeZone;

  constructor(options: ClassifyOptions = {}) {
    this.zone = parseZone(options.timezone ?? 'UTC');
    for (const parser of createProgramParsers()) {
      for (const program of parser.programs) this.programs.set(program, parser);
    }
    this.lineParsers = createLineParsers(options.appMapping ? { appMapping: options.appMapping } : {});
  }

  // Lines come in batches sharing a receive time, and bursts sharing a second: remember the last.
  private lastReceivedText = '';
  private lastReceivedMs = 0;
  private lastTimeMs = Number.NaN;
  private lastTimeText = '';

  classify(input: ClassifyInput): SecurityEvent {
    if (input.received_at !== this.lastReceivedText) {
      this.lastReceivedText = input.received_at;
      this.lastReceivedMs = Date.parse(input.received_at);
    }
    const receivedMs = this.lastReceivedMs;
    const time: TimeContext = { referenceMs: receivedMs, zone: this.zone };
    const { line } = input;

    if (input.source !== undefined) {
      const hinted = this.lineParsers.find((parser) => parser.datasets.includes(input.source as string));
      const match = hinted?.parse(line, time, input.source);
      if (match) return this.event(input, match.timeMs, match.fields, input.source);
    }

    const syslog = parseSyslog(line, time);
    if (syslog) {
      const parser = this.programFor(syslog.program);
      const fields: EventFields = parser?.parse(syslog) ?? { 'bulwark.category': 'other' };
      return this.event(input, syslog.timeMs, fields, parser?.dataset ?? SYSLOG_DATASET, syslog);
    }

    for (const parser of this.lineParsers) {
      const match = parser.parse(line, time, input.source);
      if (match) return this.event(input, match.timeMs, match.fields, parser.datasets[0] as string);
    }
    return this.event(input, receivedMs, { 'bulwark.category': 'other' }, input.source ?? 'unknown');
  }

  /** The parser of a program: by its name, or by the part before a `/` (`httpd/backend1`). */
  private programFor(program: string): ProgramParser | undefined {
    const exact = this.programs.get(program);
    if (exact !== undefined) return exact;
    const slash = program.indexOf('/');
    return slash > 0 ? this.programs.get(program.slice(0, slash)) : undefined;
  }

  private event(
    input: ClassifyInput,
    timeMs: number,
    fields: EventFields,
    dataset: string,
    syslog?: SyslogLine,
  ): SecurityEvent {
    let at = input.received_at;
    if (Number.isFinite(timeMs)) {
      if (timeMs !== this.lastTimeMs) {
        this.lastTimeMs = timeMs;
        this.lastTimeText = new Date(timeMs).toISOString();
      }
      at = this.lastTimeText;
    }
    // Built in place rather than spread: this runs once per line and spreading is slow.
    const event = {
      '@timestamp': at,
      'event.id': input.id,
      'event.created': input.received_at,
      'event.dataset': dataset,
    } as SecurityEvent;
    if (syslog !== undefined) {
      if (syslog.host !== undefined) event['host.name'] = syslog.host;
      if (syslog.program !== '') event['process.name'] = syslog.program;
      if (syslog.pid !== undefined) event['process.pid'] = syslog.pid;
    }
    Object.assign(event, fields);
    event.message = input.line;
    return event;
  }
}

/** Classifies one line on its own, with no memory of earlier lines (tests, one-off use). */
export function classify(input: ClassifyInput, options: ClassifyOptions = {}): SecurityEvent {
  return new Classifier(options).classify(input);
}
