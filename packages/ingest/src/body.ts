import { Errors } from '@bulwark/errors';

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
  errors: LineError[];
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

function tooLong(position: number, maxLineBytes: number): LineError {
  return {
    line: position,
    code: Errors.lineTooLong.code,
    detail: `line ${position} is longer than ${maxLineBytes} bytes`,
  };
}

/** Parses a batch body. Bad lines become errors naming their position; good lines are all kept. */
export function parseBody(text: string, format: BodyFormat, maxLineBytes: number): ParsedBody {
  return format === 'json' ? parseJsonBody(text, maxLineBytes) : parseLines(text, format, maxLineBytes);
}

function parseLines(text: string, format: 'ndjson' | 'text', maxLineBytes: number): ParsedBody {
  const lines: LineInput[] = [];
  const errors: LineError[] = [];
  const rows = text.split('\n');
  rows.forEach((row, index) => {
    const position = index + 1;
    const content = row.endsWith('\r') ? row.slice(0, -1) : row;
    if (content.trim() === '') return;
    if (Buffer.byteLength(content, 'utf8') > maxLineBytes) {
      errors.push(tooLong(position, maxLineBytes));
      return;
    }
    if (format === 'text') {
      lines.push({ line: content });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      errors.push({
        line: position,
        code: Errors.malformedLine.code,
        detail: `line ${position} is not valid JSON: ${(error as Error).message}`,
      });
      return;
    }
    const input = fromJsonValue(value);
    if (typeof input === 'string')
      errors.push({ line: position, code: Errors.malformedLine.code, detail: input });
    else lines.push(input);
  });
  return { lines, errors };
}

function parseJsonBody(text: string, maxLineBytes: number): ParsedBody {
  const value: unknown = JSON.parse(text);
  const items = Array.isArray(value) ? value : [value];
  const lines: LineInput[] = [];
  const errors: LineError[] = [];
  items.forEach((item, index) => {
    const position = index + 1;
    const input = fromJsonValue(item);
    if (typeof input === 'string') {
      errors.push({ line: position, code: Errors.malformedLine.code, detail: `item ${position}: ${input}` });
    } else if (Buffer.byteLength(input.line, 'utf8') > maxLineBytes) {
      errors.push(tooLong(position, maxLineBytes));
    } else {
      lines.push(input);
    }
  });
  return { lines, errors };
}
