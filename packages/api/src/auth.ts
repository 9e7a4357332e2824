import { createHash } from 'node:crypto';
import { BulwarkError, Errors } from '@bulwark/errors';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export type Scope = 'ingest' | 'read' | 'admin';

/** An API key as the service knows it: the SHA-256 of the key and what it may do. */
export interface KnownKey {
  sha256: string;
  scopes: readonly Scope[];
  name?: string;
}

/** Who made a request: the key's id (a hash prefix, safe to log) and its scopes. */
export interface Principal {
  keyId: string;
  scopes: readonly Scope[];
}

/** A hook that admits or refuses a request; mount it as `onRequest`, so refusal costs no body read. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook that admits requests bearing a key with `scope` (or `admin`). */
    requireScope(scope: Scope): AuthHook;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AuthOptions {
  keys: readonly KnownKey[];
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +(\S{1,512})$/i.exec(header.trim());
  return match?.[1];
}

/**
 * Bearer API keys. Only hashes are held: the presented key is hashed and looked up, so neither a
 * memory dump nor a timing difference reveals a stored key.
 */
const authPlugin: FastifyPluginAsync<AuthOptions> = async (app, options) => {
  const byHash = new Map(options.keys.map((key) => [key.sha256, key]));
  app.decorateRequest('principal', null);
  app.decorate('requireScope', (scope: Scope): AuthHook => {
    return async (request, reply) => {
      const token = bearerToken(request);
      const known =
        token === undefined ? undefined : byHash.get(createHash('sha256').update(token).digest('hex'));
      if (!known) {
        reply.header('www-authenticate', 'Bearer realm="bulwark"');
        throw new BulwarkError(
          Errors.unauthorized,
          token === undefined ? 'send Authorization: Bearer <key>' : 'the API key is not known',
        );
      }
      request.principal = { keyId: known.sha256.slice(0, 12), scopes: known.scopes };
      if (!known.scopes.includes(scope) && !known.scopes.includes('admin')) {
        throw new BulwarkError(Errors.forbidden, `this key lacks the "${scope}" scope`);
      }
    };
  });
};

export const auth = fp(authPlugin, { name: 'bulwark-auth', fastify: '5.x' });
