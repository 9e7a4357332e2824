import { ConfigError, type LoadedConfig, loadConfig } from '@bulwark/config';
import { createLogger } from '@bulwark/logger';
import { RuleFileError } from '@bulwark/rules';
import { startStandalone } from './service.js';

/**
 * The standalone main: read config, start, stop cleanly on SIGTERM/SIGINT. Exit codes: 0 after a
 * clean stop, 1 on a failed start or a stop that overran `shutdown_timeout`, 2 on bad config.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: LoadedConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`bulwark: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const logger = createLogger({ level: config.log.level, name: 'bulwark-standalone' });
  const service = await startStandalone(config, logger).catch((error: unknown) => {
    if (error instanceof RuleFileError) {
      process.stderr.write(`bulwark: ${error.message}\n`);
      process.exitCode = 2;
      return null;
    }
    logger.fatal({ err: error }, 'bulwark failed to start');
    process.exitCode = 1;
    return null;
  });
  if (!service) return;
  if (service.generatedKey) {
    process.stderr.write(
      [
        '',
        '  No API key was configured, so Bulwark generated an admin key. It is shown only this once;',
        `  only its hash is kept (${config.data_dir}/api-keys.json). Set BULWARK_API_KEYS to use your own.`,
        '',
        `    ${service.generatedKey}`,
        '',
        '',
      ].join('\n'),
    );
  }
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeout_ms: config.shutdown_timeout }, 'shutdown overran its timeout; exiting');
      process.exit(1);
    }, config.shutdown_timeout);
    timer.unref();
    service.stop().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
