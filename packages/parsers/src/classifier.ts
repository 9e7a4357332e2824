import type { RawLog, SecurityEvent } from '@bulwark/schemas';
import type { AppMapping } from './app/mapping.js';
import { parseSyslog } from './envelope/syslog.js';
import { createLineParsers, createProgramParsers } from './registry.js';
import { parseOffsetMinutes } from './time.js';
import type { EventFields, LineParser, ProgramParser, TimeContext } from './types.js';

export interface ClassifyOptions {
  /** Zone of timestamps written without one: `UTC` or a fixed offset such as `+02:00`. */
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
  private readonly offsetMinutes: number;

  constructor(options: ClassifyOptions = {}) {
    this.offsetMinutes = parseOffsetMinutes(options.timezone ?? 'UTC');
    for (const parser of createProgramParsers()) {
      for (const program of parser.programs) this.programs.set(program, parser);
    }
    this.lineParsers = createLineParsers(options.appMapping ? { appMapping: options.appMapping } : {});
  }

  classify(input: ClassifyInput): SecurityEvent {
    const receivedMs = Date.parse(input.received_at);
    const time: TimeContext = { referenceMs: receivedMs, offsetMinutes: this.offsetMinutes };
    const { line } = input;

    if (input.source !== undefined) {
      const hinted = this.lineParsers.find((parser) => parser.datasets.includes(input.source as string));
      const match = hinted?.parse(line, time, input.source);
      if (match) return this.event(input, match.timeMs, match.fields, input.source);
    }

    const syslog = parseSyslog(line, time);
    if (syslog) {
      const parser = this.programs.get(syslog.program);
      const fields: EventFields = parser?.parse(syslog) ?? { 'bulwark.category': 'other' };
      if (syslog.host !== undefined) fields['host.name'] ??= syslog.host;
      if (syslog.program !== '') fields['process.name'] ??= syslog.program;
      if (syslog.pid !== undefined) fields['process.pid'] ??= syslog.pid;
      return this.event(input, syslog.timeMs, fields, parser?.dataset ?? SYSLOG_DATASET);
    }

    for (const parser of this.lineParsers) {
      const match = parser.parse(line, time, input.source);
      if (match) return this.event(input, match.timeMs, match.fields, parser.datasets[0] as string);
    }
    return this.event(input, receivedMs, { 'bulwark.category': 'other' }, input.source ?? 'unknown');
  }

  private event(input: ClassifyInput, timeMs: number, fields: EventFields, dataset: string): SecurityEvent {
    const at = Number.isFinite(timeMs) ? new Date(timeMs).toISOString() : input.received_at;
    return {
      '@timestamp': at,
      'event.id': input.id,
      'event.created': input.received_at,
      'event.dataset': dataset,
      ...fields,
      message: input.line,
    };
  }
}

/** Classifies one line on its own, with no memory of earlier lines (tests, one-off use). */
export function classify(input: ClassifyInput, options: ClassifyOptions = {}): SecurityEvent {
  return new Classifier(options).classify(input);
}
