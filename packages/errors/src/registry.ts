/**
 * The error registry. Every error Bulwark reports has a stable code, an HTTP status and whether
 * retrying the same request can succeed. Codes are part of the API: never reuse or rename one;
 * retire it and add a new one instead.
 */
export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly retryable: boolean;
}

function spec(code: string, status: number, title: string, retryable = false): ErrorSpec {
  return Object.freeze({ code, status, title, retryable });
}

export const Errors = {
  badRequest: spec('BWK_ERR_BAD_REQUEST', 400, 'The request is not valid'),
  emptyBody: spec('BWK_ERR_EMPTY_BODY', 400, 'The request body holds no log lines'),
  malformedBody: spec('BWK_ERR_MALFORMED_BODY', 400, 'The request body cannot be read'),
  malformedLine: spec('BWK_ERR_MALFORMED_LINE', 400, 'A line of the batch cannot be read'),
  noLineAccepted: spec('BWK_ERR_NO_LINE_ACCEPTED', 400, 'No line of the batch could be read'),
  lineTooLong: spec('BWK_ERR_LINE_TOO_LONG', 400, 'A line is longer than the limit'),
  invalidQuery: spec('BWK_ERR_INVALID_QUERY', 400, 'The query parameters are not valid'),
  unauthorized: spec('BWK_ERR_UNAUTHORIZED', 401, 'A valid API key is required'),
  forbidden: spec('BWK_ERR_FORBIDDEN', 403, 'The API key lacks the scope this needs'),
  notFound: spec('BWK_ERR_NOT_FOUND', 404, 'No such resource'),
  bodyTooLarge: spec('BWK_ERR_BODY_TOO_LARGE', 413, 'The request body is larger than the limit'),
  unsupportedMediaType: spec(
    'BWK_ERR_UNSUPPORTED_MEDIA_TYPE',
    415,
    'The content type or encoding is not supported',
  ),
  rateLimited: spec('BWK_ERR_RATE_LIMITED', 429, 'Too many requests', true),
  internal: spec('BWK_ERR_INTERNAL', 500, 'Internal error', true),
  storeUnavailable: spec('BWK_ERR_STORE_UNAVAILABLE', 503, 'The store cannot take writes now', true),
  notReady: spec('BWK_ERR_NOT_READY', 503, 'The service is starting or shutting down', true),
  configInvalid: spec('BWK_ERR_CONFIG_INVALID', 500, 'The configuration is not valid'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof Errors;

/** An error carrying a registry entry, a human detail and optional extension members. */
export class BulwarkError extends Error {
  readonly spec: ErrorSpec;
  readonly detail: string;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    spec: ErrorSpec,
    detail?: string,
    extensions: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(detail ?? spec.title, options);
    this.name = 'BulwarkError';
    this.spec = spec;
    this.detail = detail ?? spec.title;
    this.extensions = extensions;
  }

  get code(): string {
    return this.spec.code;
  }

  get status(): number {
    return this.spec.status;
  }
}

export function isBulwarkError(err: unknown): err is BulwarkError {
  return err instanceof BulwarkError;
}
