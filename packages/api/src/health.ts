import { BulwarkError, Errors } from '@bulwark/errors';
import type { FastifyPluginAsync } from 'fastify';

export interface HealthOptions {
  /** Whether the service takes traffic now (false while starting, catching up or draining). */
  isReady: () => boolean;
  /** Checks the dependencies readiness rests on; rejects when one is down. */
  checkDependencies: () => Promise<void>;
}

/** `/healthz` (the process answers) and `/readyz` (it should get traffic). No key needed. */
export const health: FastifyPluginAsync<HealthOptions> = async (app, options) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => {
    if (!options.isReady()) throw new BulwarkError(Errors.notReady);
    try {
      await options.checkDependencies();
    } catch (error) {
      throw new BulwarkError(Errors.storeUnavailable, 'the store does not answer', {}, { cause: error });
    }
    return { status: 'ready' };
  });
};
