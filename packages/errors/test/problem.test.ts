import { BulwarkError, Errors, toProblem } from '@bulwark/errors';
import { describe, expect, it } from 'vitest';

describe('error registry', () => {
  it('has unique, prefixed codes', () => {
    const codes = Object.values(Errors).map((spec) => spec.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^BWK_ERR_[A-Z_]+$/);
  });

  it('renders a known error as RFC 9457 problem details with its code and extensions', () => {
    const problem = toProblem(new BulwarkError(Errors.bodyTooLarge, 'too big', { limit: 10 }), '/v1/logs');
    expect(problem).toEqual({
      type: 'https://bulwark.dev/errors/BWK_ERR_BODY_TOO_LARGE',
      title: Errors.bodyTooLarge.title,
      status: 413,
      detail: 'too big',
      code: 'BWK_ERR_BODY_TOO_LARGE',
      instance: '/v1/logs',
      limit: 10,
    });
  });

  it('hides the detail of unknown errors', () => {
    const problem = toProblem(new Error('connection string postgres://user:pw@host'));
    expect(problem).toMatchObject({ status: 500, code: 'BWK_ERR_INTERNAL' });
    expect(JSON.stringify(problem)).not.toContain('pw@host');
  });

  it('does not let extensions overwrite the standard members', () => {
    const problem = toProblem(new BulwarkError(Errors.notFound, 'gone', { status: 200, code: 'X' }));
    expect(problem.status).toBe(404);
    expect(problem.code).toBe('BWK_ERR_NOT_FOUND');
  });
});
