import type { SecurityEvent } from '@bulwark/schemas';
import { BruteForceRule } from './brute-force.js';
import type { IncidentChange, Rule, RuleStateRow } from './rule.js';

export interface RulesSettings {
  brute_force: { enabled: boolean; threshold: number; window: number; quiet: number; high_at: number };
}

/**
 * Runs every enabled rule over events, in the order given. Deterministic: the same events in the
 * same order give the same incident changes, live or in replay.
 */
export class RuleEngine {
  readonly rules: readonly Rule[];

  constructor(rules: Rule[]) {
    this.rules = rules;
  }

  /** Builds the engine with the default rules from their configured settings. */
  static fromSettings(settings: RulesSettings): RuleEngine {
    const rules: Rule[] = [];
    const bf = settings.brute_force;
    if (bf.enabled) {
      rules.push(
        new BruteForceRule({
          threshold: bf.threshold,
          windowMs: bf.window,
          quietMs: bf.quiet,
          highAt: bf.high_at,
        }),
      );
    }
    return new RuleEngine(rules);
  }

  evaluate(events: Iterable<SecurityEvent>): IncidentChange[] {
    const out: IncidentChange[] = [];
    for (const event of events) for (const rule of this.rules) rule.evaluate(event, out);
    return out;
  }

  takeDirty(): RuleStateRow[] {
    return this.rules.flatMap((rule) => rule.takeDirty());
  }

  /** Restores state rows (as persisted from `takeDirty`) to their rules; rows of unknown rules are ignored. */
  load(rows: Iterable<RuleStateRow>): void {
    const byRule = new Map<string, RuleStateRow[]>();
    for (const row of rows) {
      const list = byRule.get(row.rule) ?? [];
      list.push(row);
      byRule.set(row.rule, list);
    }
    for (const rule of this.rules) rule.load(byRule.get(rule.name) ?? []);
  }
}

/**
 * Folds a stream of changes into the latest version of each incident, keyed by id, in order of
 * first appearance. Used where only the end state matters (replay, committing a batch).
 */
export function latestIncidents(changes: Iterable<IncidentChange>): Map<string, IncidentChange['incident']> {
  const latest = new Map<string, IncidentChange['incident']>();
  for (const change of changes) latest.set(change.incident.id, change.incident);
  return latest;
}
