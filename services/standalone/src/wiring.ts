import type { LoadedConfig } from '@bulwark/config';
import type { ClassifyOptions } from '@bulwark/parsers';

/** The classifier's options as the configuration gives them; live ingest and replay share them. */
export function classifierOptions(config: LoadedConfig): ClassifyOptions {
  const { timezone, app_mapping: appMapping } = config.classifier;
  return appMapping === undefined ? { timezone } : { timezone, appMapping };
}
