import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { RuleFileError } from '@bulwark/rules';

export interface RuleWatchLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** How long to wait after a change before reloading: editors write a file in several steps. */
const SETTLE_MS = 200;

/**
 * Reloads rules when one of their files changes. Directories are watched rather than the files,
 * because editors replace a file (write a new one, rename it over) and a watch on the old file
 * would go deaf. A reload that fails keeps the rules in force and logs every problem.
 */
export function watchRuleFiles(
  files: readonly string[],
  log: RuleWatchLog,
  reload: () => number,
): { close(): void } {
  const byDir = new Map<string, Set<string>>();
  for (const file of files) {
    const names = byDir.get(path.dirname(file)) ?? new Set<string>();
    names.add(path.basename(file));
    byDir.set(path.dirname(file), names);
  }
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      try {
        const count = reload();
        log.info({ rules: count }, 'rules reloaded');
      } catch (error) {
        if (error instanceof RuleFileError)
          log.error({ problems: error.problems }, 'rules not reloaded: invalid');
        else log.error({ err: error }, 'rules not reloaded');
      }
    }, SETTLE_MS);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const watcher = watch(dir, (_event, name) => {
        if (name !== null && names.has(name.toString())) schedule();
      });
      watcher.on('error', (error) => log.error({ err: error, dir }, 'cannot watch rule files'));
      watchers.push(watcher);
    } catch (error) {
      log.error({ err: error, dir }, 'cannot watch rule files');
    }
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
