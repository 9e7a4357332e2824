import { BulwarkError, type ErrorSpec, Errors, PROBLEM_CONTENT_TYPE, toProblem } from '@bulwark/errors';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/** fastify's own error codes, and the registry entry each one is reported as. */
const FASTIFY_ERRORS: Record<string, ErrorSpec> = {
  FST_ERR_CTP_BODY_TOO_LARGE: Errors.bodyTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: Errors.unsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: Errors.badRequest,
  FST_ERR_CTP_EMPTY_JSON_BODY: Errors.emptyBody,
  FST_ERR_CTP_INVALID_JSON_BODY: Errors.malformedBody,
  FST_ERR_VALIDATION: Errors.invalidQuery,
};

function asBulwarkError(error: FastifyError): BulwarkError {
  if (error instanceof BulwarkError) return error;
  const spec = FASTIFY_ERRORS[error.code];
  if (spec) return new BulwarkError(spec, error.message);
  if (error.statusCode === 429) return new BulwarkError(Errors.rateLimited, error.message);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new BulwarkError(Errors.badRequest, error.message);
  }
  return new BulwarkError(Errors.internal);
}

/**
 * The one error handler: every error leaves as an RFC 9457 problem+json body with its registry
 * code. Unknown errors are logged in full and answered without detail.
 */
const problemsPlugin: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = asBulwarkError(error);
    if (known.status >= 500) request.log.error({ err: error }, 'request failed');
    void reply
      .code(known.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(toProblem(known, request.url.split('?')[0]));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(
        toProblem(
          new BulwarkError(Errors.notFound, `no route ${request.method} ${request.url.split('?')[0]}`),
        ),
      );
  });
};

export const problems = fp(problemsPlugin, { name: 'bulwark-problems', fastify: '5.x' });
