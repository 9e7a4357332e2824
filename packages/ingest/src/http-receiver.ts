import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { BulwarkError, Errors } from '@bulwark/errors';
import type { RawLog } from '@bulwark/schemas';
import type { FastifyInstance, FastifyPluginAsync, onRequestAsyncHookHandler } from 'fastify';
import { type BodyFormat, parseBody } from './body.js';

const gunzipAsync = promisify(gunzip);

const MEDIA_TYPES: Record<string, BodyFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/plain': 'text',
  'application/json': 'json',
};

export interface HttpReceiverOptions {
  /** Commits a batch; resolves once it is durable. Only then does the sender get its 202. */
  accept: (raws: RawLog[]) => Promise<unknown>;
  /** Largest body, both as sent and after gzip is undone. */
  bodyLimit: number;
  maxLineBytes: number;
  maxLines: number;
  /** Runs before the body is read (an onRequest hook): authentication and scope checks. */
  authorize: onRequestAsyncHookHandler;
  now?: () => Date;
}

async function decode(body: Buffer, encoding: string | undefined, limit: number): Promise<string> {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return body.toString('utf8');
  if (coding !== 'gzip' && coding !== 'x-gzip') {
    throw new BulwarkError(
      Errors.unsupportedMediaType,
      `content-encoding "${coding}" is not supported; use gzip`,
    );
  }
  try {
    return (await gunzipAsync(body, { maxOutputLength: limit })).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BulwarkError(Errors.bodyTooLarge, `the body is larger than ${limit} bytes once decompressed`);
    }
    throw new BulwarkError(Errors.malformedBody, 'the body is not valid gzip');
  }
}

/**
 * `POST /v1/logs`: NDJSON, plain lines or JSON (object or array), optionally gzip-encoded.
 * Answers 202 with counts once the good lines are committed; bad lines are named in the answer.
 */
export const httpReceiver: FastifyPluginAsync<HttpReceiverOptions> = async (
  app: FastifyInstance,
  options,
) => {
  const now = options.now ?? (() => new Date());
  // This plugin is encapsulated: these parsers replace fastify's only for the routes below.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.bodyLimit },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.post('/v1/logs', { onRequest: options.authorize }, async (request, reply) => {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const format = MEDIA_TYPES[mediaType];
    if (!format) {
      throw new BulwarkError(
        Errors.unsupportedMediaType,
        `content-type "${mediaType || '(none)'}" is not supported; use application/x-ndjson, text/plain or application/json`,
      );
    }
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new BulwarkError(Errors.emptyBody);
    const text = await decode(body, request.headers['content-encoding'], options.bodyLimit);

    let parsed: ReturnType<typeof parseBody>;
    try {
      parsed = parseBody(text, format, { maxLineBytes: options.maxLineBytes, maxLines: options.maxLines });
    } catch (error) {
      if (error instanceof BulwarkError) throw error;
      throw new BulwarkError(Errors.malformedBody, `the body is not valid JSON: ${(error as Error).message}`);
    }
    const { lines, errors, rejected } = parsed;
    if (lines.length === 0) {
      if (rejected === 0) throw new BulwarkError(Errors.emptyBody);
      throw new BulwarkError(Errors.noLineAccepted, `none of the ${rejected} lines could be read`, {
        accepted: 0,
        rejected,
        errors,
      });
    }
    if (rejected > 0) request.log.warn({ rejected, errors: errors.slice(0, 5) }, 'lines rejected');

    const receivedAt = now().toISOString();
    const raws: RawLog[] = lines.map((input) => ({
      line: input.line,
      received_at: receivedAt,
      transport: 'http',
      peer: request.ip,
      ...(input.source !== undefined ? { source: input.source } : {}),
    }));
    await options.accept(raws);
    return reply.code(202).send({ accepted: raws.length, rejected, errors });
  });
};
