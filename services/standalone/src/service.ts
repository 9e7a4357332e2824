import path from 'node:path';
import { MemoryBus } from '@bulwark/bus';
import type { LoadedConfig } from '@bulwark/config';
import { type SyslogListeners, startSyslogListeners } from '@bulwark/ingest';
import type { Logger } from '@bulwark/logger';
import { createNotify } from '@bulwark/notify';
import { ClassifyStage, NotifyStage, RulesStage } from '@bulwark/stages';
import { FileSnapshotStore, SqliteWorkerStore } from '@bulwark/store';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { resolveKeys } from './keys.js';
import { watchRuleFiles } from './rule-watch.js';
import { classifierOptions, createEngine, loadConfiguredRules, rulesAllow, syslogOptions } from './wiring.js';

export interface RunningService {
  app: FastifyInstance;
  /** `http://host:port` the service listens on. */
  url: string;
  /** The syslog ports bound, when syslog is on. */
  syslogPorts: Readonly<{ udp?: number; tcp?: number; tls?: number }>;
  /** The admin key generated on this start, if one was (print it once). */
  generatedKey: string | null;
  /** Stops accepting, drains what was accepted, then closes the database. */
  stop(): Promise<void>;
}

/**
 * Wires every stage into one process: HTTP ingest → classify → SQLite (on its own thread) → memory bus → rules →
 * outbox → console notifier, and the REST API on top of the store.
 */
export async function startStandalone(config: LoadedConfig, logger: Logger): Promise<RunningService> {
  // SQLite on a worker thread: this thread classifies and evaluates while the worker commits.
  const store = await SqliteWorkerStore.open({
    dataDir: config.data_dir,
    synchronous: config.store.synchronous,
  });
  const bus = new MemoryBus();
  const classifyStage = new ClassifyStage(store, bus, classifierOptions(config));
  let rules = loadConfiguredRules(config);
  const notify = createNotify(config.notify, config.secrets.notify, {
    log: logger.child({ stage: 'notify', channel: 'console' }),
    now: Date.now,
  });
  const rulesStage = new RulesStage({
    store,
    snapshots: new FileSnapshotStore(path.join(config.data_dir, 'state')),
    snapshotEveryMs: config.rules.snapshot_every,
    bus,
    createEngine: () => createEngine(config, rules),
    routes: notify.routes,
    log: logger.child({ stage: 'rules' }),
  });
  const notifyStage = new NotifyStage({
    store,
    bus,
    notifiers: notify.notifiers,
    composer: notify.composer,
    rules: notify.delivery,
    maxAttempts: notify.maxAttempts,
    backoff: notify.backoff,
    log: logger.child({ stage: 'notify' }),
  });
  const { keys, generated } = resolveKeys(config.keys, config.data_dir);

  let ready = false;
  let syslog: SyslogListeners | null = null;
  const app = await buildApp({
    config,
    logger,
    keys,
    store,
    accept: (raws) => classifyStage.accept(raws),
    isReady: () => ready,
    metrics: () => [
      ...classifyStage.metrics(),
      ...rulesStage.metrics(),
      ...notifyStage.metrics(),
      ...(syslog?.metricSamples() ?? []),
    ],
    reports: notify.reports,
    onReported: () => void notifyStage.deliverDue(),
  });

  await rulesStage.start();
  await notifyStage.start();
  const watcher = watchRuleFiles(config.rules.files, logger.child({ stage: 'rules' }), () => {
    const next = loadConfiguredRules(config);
    rules = next;
    rulesStage.replaceRules(next.rules, rulesAllow(config, next));
    return next.rules.length;
  });
  const url = await app.listen({ host: config.http.host, port: config.http.port });
  if (config.syslog.enabled) {
    syslog = await startSyslogListeners(syslogOptions(config, logger, (raws) => classifyStage.accept(raws)));
  }
  ready = true;
  logger.info(
    { url, syslog: syslog?.ports ?? null, data_dir: config.data_dir, config_file: config.file },
    'bulwark standalone listening',
  );

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      watcher.close();
      // Syslog first: it commits what it has read through the same stages that are still up.
      await syslog?.close();
      await app.close();
      await bus.drain();
      await rulesStage.stop();
      await notifyStage.deliverDue();
      await notifyStage.stop();
      await bus.close();
      await store.close();
      logger.info('bulwark standalone stopped');
    })();
    return stopping;
  };
  return { app, url, syslogPorts: syslog?.ports ?? {}, generatedKey: generated, stop };
}
