import type { LoadedConfig } from '@bulwark/config';
import type { SyslogListenerOptions, SyslogLog } from '@bulwark/ingest';
import type { ClassifyOptions } from '@bulwark/parsers';
import { type Allowlist, type LoadedRules, loadRuleFiles, RuleEngine } from '@bulwark/rules';
import type { RawLog } from '@bulwark/schemas';

/** The classifier's options as the configuration gives them; live ingest and replay share them. */
export function classifierOptions(config: LoadedConfig): ClassifyOptions {
  const { timezone, app_mapping: appMapping } = config.classifier;
  return appMapping === undefined ? { timezone } : { timezone, appMapping };
}

/** The rules the configuration names: the default pack (unless turned off), then `rules.files`. */
export function loadConfiguredRules(config: LoadedConfig): LoadedRules {
  return loadRuleFiles(config.rules.files, { defaultPack: config.rules.default_pack });
}

/** The global allowlist: the configuration's and the rule files' together. */
export function rulesAllow(config: LoadedConfig, rules: LoadedRules): Allowlist {
  return {
    cidrs: [...config.rules.allow.cidrs, ...(rules.allow?.cidrs ?? [])],
    users: [...config.rules.allow.users, ...(rules.allow?.users ?? [])],
  };
}

/** A fresh engine over the given rules; live evaluation and replay build theirs the same way. */
export function createEngine(config: LoadedConfig, rules: LoadedRules): RuleEngine {
  return new RuleEngine({
    rules: rules.rules,
    allow: rulesAllow(config, rules),
    lateness: config.rules.lateness,
    updateEvery: config.rules.update_every,
  });
}

/** The syslog listeners' options as the configuration gives them. */
export function syslogOptions(
  config: LoadedConfig,
  log: SyslogLog,
  accept: (raws: RawLog[]) => Promise<unknown>,
): SyslogListenerOptions {
  const { syslog } = config;
  const passphrase = config.secrets.syslogTlsPassphrase;
  return {
    accept,
    log,
    host: syslog.host,
    port: syslog.port,
    udp: syslog.udp,
    tcp: syslog.tcp,
    allow: syslog.allow,
    maxMessageBytes: syslog.max_message_bytes,
    oversized: syslog.oversized,
    maxConnections: syslog.max_connections,
    idleTimeoutMs: syslog.idle_timeout,
    batchSize: syslog.batch_size,
    // Classify the next batches while the store's worker commits: it commits them in order, several
    // in one transaction, and refuses any handed over after one that failed (retried in order).
    // 64 of the default 1000: under load the worker's transactions hold tens of thousands of
    // events, so each value's postings and each index page are written once per more events. 64
    // stored 9-10% more than 32 on Node 20 and 24 alike, 128 no more than 64; batches of 4000 (8 in
    // flight) measured the same as 32 of 1000, with more latency per batch (docs/BENCHMARKS.md).
    // Under a flood that is up to 64,000 events held until their commit: tens of MiB.
    maxInFlightBatches: 64,
    ...(syslog.tls === undefined
      ? {}
      : {
          tls: {
            port: syslog.tls.port,
            cert: syslog.tls.cert,
            key: syslog.tls.key,
            clientAuth: syslog.tls.client_auth,
            ...(syslog.tls.ca === undefined ? {} : { ca: syslog.tls.ca }),
            ...(passphrase === undefined ? {} : { passphrase }),
          },
        }),
  };
}
