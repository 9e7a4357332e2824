import { BulwarkError, Errors } from '@bulwark/errors';

/** One line of a batch as the sender meant it, before it is stamped and classified. */
export interface LineInput {
  line: string;
  /** Format hint given by the sender (`source` member of a JSON wrapper). */
  source?: string;
}

/** A line of the batch that could not be read; `line` is its 1-based position in the batch. */
export interface LineError {
  line: number;
  code: string;
  detail: string;
}

export interface ParsedBody {
  lines: LineInput[];
  /** The first MAX_REPORTED_ERRORS bad lines, in order. */
  errors: LineError[];
  /** How many lines were bad in all. */
  rejected: number;
}

export interface BodyLimits {
  maxLineBytes: number;
  /** Most lines (or array items) in one batch; a larger batch is refused whole with 413. */
  maxLines: number;
}

/** Most bad lines described in one answer; the count is always complete. */
export const MAX_REPORTED_ERRORS = 100;

/** Collects bad lines: describes the first few, counts them all, so hostile input cannot balloon memory. */
class Rejections {
  readonly errors: LineError[] = [];
  count = 0;
  add(line: number, code: string, detail: () => string): void {
    this.count += 1;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push({ line, code, detail: detail() });
  }
}

function tooManyLines(limits: BodyLimits): BulwarkError {
  return new BulwarkError(
    Errors.bodyTooLarge,
    `the batch holds more than ${limits.maxLines} lines; split it`,
  );
}

export type BodyFormat = 'ndjson' | 'text' | 'json';

/**
 * Reads a JSON value shipped as a log: a string is a raw line; an object with a string `message`
 * and no `event` member is a shipper's wrapper around a raw line (Vector, Filebeat and most agents
 * send these); any other object is an application event, kept whole as JSON for the classifier.
 */
function fromJsonValue(value: unknown): LineInput | string {
  if (typeof value === 'string') return { line: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'expected a JSON object or string';
  }
  const record = value as Record<string, unknown>;
  const isApplicationEvent =
    'event' in record || Object.keys(record).some((name) => name.startsWith('event.'));
  if (typeof record.message === 'string' && !isApplicationEvent) {
    return typeof record.source === 'string'
      ? { line: record.message, source: record.source.slice(0, 64) }
      : { line: record.message };
  }
  return { line: JSON.stringify(record) };
}

/** Parses a batch body. Bad lines are counted and named by position; good lines are all kept. */
export function parseBody(text: string, format: BodyFormat, limits: BodyLimits): ParsedBody {
  return format === 'json' ? parseJsonBody(text, limits) : parseLines(text, format, limits);
}

function parseLines(text: string, format: 'ndjson' | 'text', limits: BodyLimits): ParsedBody {
  const lines: LineInput[] = [];
  const rejected = new Rejections();
  let position = 0;
  let seen = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    let row = text.slice(start, end);
    start = end + 1;
    position += 1;
    if (row.endsWith('\r')) row = row.slice(0, -1);
    if (row.trim() === '') continue;
    seen += 1;
    if (seen > limits.maxLines) throw tooManyLines(limits);
    const at = position;
    if (Buffer.byteLength(row, 'utf8') > limits.maxLineBytes) {
      rejected.add(
        at,
        Errors.lineTooLong.code,
        () => `line ${at} is longer than ${limits.maxLineBytes} bytes`,
      );
      continue;
    }
    if (format === 'text') {
      lines.push({ line: row });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (error) {
      rejected.add(
        at,
        Errors.malformedLine.code,
        () => `line ${at} is not valid JSON: ${(error as Error).message}`,
      );
      continue;
    }
    const input = fromJsonValue(value);
    if (typeof input === 'string') rejected.add(at, Errors.malformedLine.code, () => `line ${at}: ${input}`);
    else lines.push(input);
  }
  return { lines, errors: rejected.errors, rejected: rejected.count };
}

function parseJsonBody(text: string, limits: BodyLimits): ParsedBody {
  const value: unknown = JSON.parse(text);
  const items = Array.isArray(value) ? value : [value];
  if (items.length > limits.maxLines) throw tooManyLines(limits);
  const lines: LineInput[] = [];
  const rejected = new Rejections();
  items.forEach((item, index) => {
    const at = index + 1;
    const input = fromJsonValue(item);
    if (typeof input === 'string') {
      rejected.add(at, Errors.malformedLine.code, () => `item ${at}: ${input}`);
    } else if (Buffer.byteLength(input.line, 'utf8') > limits.maxLineBytes) {
      rejected.add(
        at,
        Errors.lineTooLong.code,
        () => `item ${at} is longer than ${limits.maxLineBytes} bytes`,
      );
    } else {
      lines.push(input);
    }
  });
  return { lines, errors: rejected.errors, rejected: rejected.count };
}
