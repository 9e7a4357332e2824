import { parseBody } from '@bulwark/ingest';
import { describe, expect, it } from 'vitest';

describe('parseBody', () => {
  it('splits plain text into lines, skipping blanks and CRs', () => {
    expect(parseBody('a\r\n\nb\n', 'text', { maxLineBytes: 100, maxLines: 1000 })).toEqual({
      lines: [{ line: 'a' }, { line: 'b' }],
      errors: [],
      rejected: 0,
    });
  });

  it('reads NDJSON wrappers, strings and application events, naming bad lines by number', () => {
    const body = [
      '{"message":"sshd line","source":"sshd"}',
      '"plain string"',
      '{"event":{"action":"login"},"message":"User logged in"}',
      '{"message": broken',
      '42',
    ].join('\n');
    const parsed = parseBody(body, 'ndjson', { maxLineBytes: 1000, maxLines: 1000 });
    expect(parsed.lines).toEqual([
      { line: 'sshd line', source: 'sshd' },
      { line: 'plain string' },
      { line: '{"event":{"action":"login"},"message":"User logged in"}' },
    ]);
    expect(parsed.errors.map((e) => [e.line, e.code])).toEqual([
      [4, 'BWK_ERR_MALFORMED_LINE'],
      [5, 'BWK_ERR_MALFORMED_LINE'],
    ]);
  });

  it('treats dotted ECS keys as an application event', () => {
    const parsed = parseBody('{"event.action":"login","message":"x"}', 'ndjson', {
      maxLineBytes: 1000,
      maxLines: 1000,
    });
    expect(parsed.lines[0]?.line).toBe('{"event.action":"login","message":"x"}');
  });

  it('reads a JSON object or array and names bad items by position', () => {
    expect(parseBody('{"message":"one"}', 'json', { maxLineBytes: 100, maxLines: 1000 }).lines).toEqual([
      { line: 'one' },
    ]);
    const parsed = parseBody('[{"message":"one"}, null, "two"]', 'json', {
      maxLineBytes: 100,
      maxLines: 1000,
    });
    expect(parsed.lines).toEqual([{ line: 'one' }, { line: 'two' }]);
    expect(parsed.errors.map((e) => e.line)).toEqual([2]);
  });

  it('rejects lines over the limit without dropping the others', () => {
    const parsed = parseBody(`short\n${'x'.repeat(101)}\nfine`, 'text', {
      maxLineBytes: 100,
      maxLines: 1000,
    });
    expect(parsed.lines).toEqual([{ line: 'short' }, { line: 'fine' }]);
    expect(parsed.errors).toEqual([expect.objectContaining({ line: 2, code: 'BWK_ERR_LINE_TOO_LONG' })]);
  });

  it('counts every bad line but describes only the first hundred', () => {
    const parsed = parseBody('{\n'.repeat(500), 'ndjson', { maxLineBytes: 100, maxLines: 1000 });
    expect(parsed.rejected).toBe(500);
    expect(parsed.errors).toHaveLength(100);
    expect(parsed.errors[99]?.line).toBe(100);
  });

  it('refuses a batch with more lines than the limit, before parsing them', () => {
    expect(() => parseBody('x\n'.repeat(11), 'text', { maxLineBytes: 100, maxLines: 10 })).toThrow(
      /more than 10 lines/,
    );
    expect(() =>
      parseBody(JSON.stringify(Array(11).fill('x')), 'json', { maxLineBytes: 100, maxLines: 10 }),
    ).toThrow(/more than 10 lines/);
    expect(parseBody('x\n\n\n'.repeat(10), 'text', { maxLineBytes: 100, maxLines: 10 }).lines).toHaveLength(
      10,
    );
  });

  it('throws on a JSON body that does not parse at all', () => {
    expect(() => parseBody('[{', 'json', { maxLineBytes: 100, maxLines: 1000 })).toThrow(SyntaxError);
  });
});
