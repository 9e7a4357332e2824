import {
  apiRoutes,
  auth,
  health,
  type KnownKey,
  metricsRoute,
  problems,
  type ReportLinkReports,
  reportLink,
} from '@bulwark/api';
import type { LoadedConfig } from '@bulwark/config';
import { httpReceiver } from '@bulwark/ingest';
import type { Logger } from '@bulwark/logger';
import type { MetricSample, RawLog } from '@bulwark/schemas';
import type { Store } from '@bulwark/store';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';

export interface AppDeps {
  config: LoadedConfig;
  logger: Logger;
  keys: readonly KnownKey[];
  store: Store;
  /** Commits a batch of raw lines (classify, store, publish); resolves once durable. */
  accept: (raws: RawLog[]) => Promise<unknown>;
  isReady: () => boolean;
  /** Every stage's metrics, for `/metrics`. */
  metrics: () => MetricSample[];
  /** The "this wasn't me" links, when the affected user is told (`notify.affected_user`). */
  reports: ReportLinkReports | null;
  onReported: () => void;
}

/** Builds the HTTP side of the standalone service without listening (tests use `inject`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.http.body_limit,
    trustProxy: false,
  });
  await app.register(problems);
  // An API serves no documents: forbid every resource and framing outright.
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
  });
  await app.register(rateLimit, {
    max: config.http.rate_limit.max,
    timeWindow: config.http.rate_limit.window,
  });
  await app.register(auth, { keys: deps.keys });
  await app.register(health, { isReady: deps.isReady, checkDependencies: () => deps.store.ping() });
  await app.register(httpReceiver, {
    accept: deps.accept,
    bodyLimit: config.http.body_limit,
    maxLineBytes: config.http.max_line_bytes,
    maxLines: config.http.max_batch_lines,
    authorize: app.requireScope('ingest'),
  });
  await app.register(apiRoutes, { store: deps.store });
  await app.register(metricsRoute, { collect: deps.metrics });
  if (deps.reports) {
    await app.register(reportLink, { store: deps.store, reports: deps.reports, onReported: deps.onReported });
  }
  return app;
}
