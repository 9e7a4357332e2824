import type { ErrorSpec } from './registry.js';
import { BulwarkError, Errors } from './registry.js';

/** An RFC 9457 problem details body, with Bulwark's `code` extension. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Where each code is documented; `type` must be a URI per RFC 9457. */
export function problemType(spec: ErrorSpec): string {
  return `https://bulwark.dev/errors/${spec.code}`;
}

/** Maps any thrown value to a problem body. Unknown errors become BWK_ERR_INTERNAL, with no detail leaked. */
export function toProblem(err: unknown, instance?: string): Problem {
  const known = err instanceof BulwarkError ? err : new BulwarkError(Errors.internal);
  const body: Problem = {
    ...known.extensions,
    type: problemType(known.spec),
    title: known.spec.title,
    status: known.spec.status,
    detail: known.detail,
    code: known.spec.code,
  };
  if (instance !== undefined) body.instance = instance;
  return body;
}
