import { type MetricSample, renderPrometheus } from '@bulwark/schemas';
import type { FastifyPluginAsync } from 'fastify';

export interface MetricsOptions {
  /** Gathers the current samples of every stage. */
  collect: () => MetricSample[];
}

/**
 * `GET /metrics` in Prometheus' text format. Needs a key with the `read` scope: give Prometheus one
 * (`authorization: { credentials: ... }` in its scrape config).
 */
export const metricsRoute: FastifyPluginAsync<MetricsOptions> = async (app, options) => {
  app.get('/metrics', { onRequest: app.requireScope('read') }, async (_request, reply) => {
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(renderPrometheus(options.collect()));
  });
};
