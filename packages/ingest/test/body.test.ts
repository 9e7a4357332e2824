import { parseBody } from '@bulwark/ingest';
import { describe, expect, it } from 'vitest';

describe('parseBody', () => {
  it('splits plain text into lines, skipping blanks and CRs', () => {
    expect(parseBody('a\r\n\nb\n', 'text', 100)).toEqual({
      lines: [{ line: 'a' }, { line: 'b' }],
      errors: [],
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
    const parsed = parseBody(body, 'ndjson', 1000);
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
    const parsed = parseBody('{"event.action":"login","message":"x"}', 'ndjson', 1000);
    expect(parsed.lines[0]?.line).toBe('{"event.action":"login","message":"x"}');
  });

  it('reads a JSON object or array and names bad items by position', () => {
    expect(parseBody('{"message":"one"}', 'json', 100).lines).toEqual([{ line: 'one' }]);
    const parsed = parseBody('[{"message":"one"}, null, "two"]', 'json', 100);
    expect(parsed.lines).toEqual([{ line: 'one' }, { line: 'two' }]);
    expect(parsed.errors.map((e) => e.line)).toEqual([2]);
  });

  it('rejects lines over the limit without dropping the others', () => {
    const parsed = parseBody(`short\n${'x'.repeat(101)}\nfine`, 'text', 100);
    expect(parsed.lines).toEqual([{ line: 'short' }, { line: 'fine' }]);
    expect(parsed.errors).toEqual([expect.objectContaining({ line: 2, code: 'BWK_ERR_LINE_TOO_LONG' })]);
  });

  it('throws on a JSON body that does not parse at all', () => {
    expect(() => parseBody('[{', 'json', 100)).toThrow(SyntaxError);
  });
});
