export type { CompiledRule, Detector, EventRef, Trigger, Verdict } from './detectors/detector.js';
export {
  type EngineOptions,
  type EngineStats,
  latestIncidents,
  RuleEngine,
  type RulesSnapshot,
} from './engine.js';
export { appendEvidence } from './evidence.js';
export { categoriesOf, compileFilter, type Predicate } from './filter.js';
export { DEFAULT_PACK_FILE, loadRuleFiles } from './pack.js';
export type { IncidentChange } from './rule.js';
export { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
export { type LoadedRules, parseRuleFile, RuleFileError, type RuleProblem } from './spec/load.js';
export * from './spec/schema.js';
