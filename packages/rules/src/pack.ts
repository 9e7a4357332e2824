import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type LoadedRules, parseRuleFile, RuleFileError, type RuleProblem } from './spec/load.js';
import type { Allowlist, RuleSpec } from './spec/schema.js';

/** Where the default pack ships, beside this package's code. */
export const DEFAULT_PACK_FILE = fileURLToPath(new URL('../pack/default.yaml', import.meta.url));

/**
 * Reads rule files: the default pack (unless left out), then the given files in order. A rule
 * named like an earlier one replaces it, so a file can override or disable a default rule. Every
 * problem in every file is reported at once. This is the package's only I/O, at start and reload.
 */
export function loadRuleFiles(
  files: readonly string[],
  options: { defaultPack?: boolean } = {},
): LoadedRules {
  const sources = [...(options.defaultPack === false ? [] : [DEFAULT_PACK_FILE]), ...files];
  const byName = new Map<string, RuleSpec>();
  const allows: Allowlist[] = [];
  const problems: RuleProblem[] = [];
  for (const file of sources) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push({ file, path: '', message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    try {
      const loaded = parseRuleFile(text, file);
      for (const rule of loaded.rules) {
        byName.delete(rule.name);
        byName.set(rule.name, rule);
      }
      if (loaded.allow) allows.push(loaded.allow);
    } catch (error) {
      if (error instanceof RuleFileError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new RuleFileError(problems);
  const allow = {
    cidrs: allows.flatMap((a) => a.cidrs),
    users: allows.flatMap((a) => a.users),
  };
  return allow.cidrs.length + allow.users.length > 0
    ? { rules: [...byName.values()], allow }
    : { rules: [...byName.values()] };
}
