export { type BruteForceOptions, BruteForceRule } from './brute-force.js';
export { latestIncidents, RuleEngine, type RulesSettings } from './engine.js';
export { appendEvidence } from './evidence.js';
export type { IncidentChange, Rule, RuleStateRow } from './rule.js';
