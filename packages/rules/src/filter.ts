import type { SecurityEvent } from '@bulwark/schemas';
import type { FieldCondition, Filter, RuleSpec } from './spec/schema.js';

export type Predicate = (event: SecurityEvent) => boolean;

type Scalar = string | number | boolean;

function field(event: SecurityEvent, name: string): unknown {
  return (event as Record<string, unknown>)[name];
}

/** Whether a field's value is one of `wanted`: for a list field, whether the list holds one of them. */
function holds(value: unknown, wanted: ReadonlySet<string>): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return wanted.has(value);
  if (Array.isArray(value)) {
    for (const item of value) if (wanted.has(typeof item === 'string' ? item : String(item))) return true;
    return false;
  }
  return wanted.has(String(value));
}

function compileCondition(name: string, condition: FieldCondition): Predicate {
  if (typeof condition !== 'object' || Array.isArray(condition)) {
    const wanted = new Set(
      (Array.isArray(condition) ? condition : [condition]).map((v: Scalar) => String(v)),
    );
    return (event) => holds(field(event, name), wanted);
  }
  if ('not' in condition) {
    const unwanted = new Set(
      (Array.isArray(condition.not) ? condition.not : [condition.not]).map((v) => String(v)),
    );
    return (event) => !holds(field(event, name), unwanted);
  }
  if ('exists' in condition) {
    const exists = condition.exists;
    return (event) => (field(event, name) !== undefined) === exists;
  }
  const prefix = condition.prefix;
  return (event) => {
    const value = field(event, name);
    return typeof value === 'string' && value.startsWith(prefix);
  };
}

/** Compiles a filter into one predicate: every condition must hold. */
export function compileFilter(filter: Filter): Predicate {
  const checks = Object.entries(filter).map(([name, condition]) => compileCondition(name, condition));
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0] as Predicate;
  return (event) => {
    for (const check of checks) if (!check(event)) return false;
    return true;
  };
}

/**
 * The `bulwark.category` values a filter admits, or null when it admits any. The engine uses it to
 * offer each event only to the rules that can match it.
 */
export function categoriesOf(filter: Filter): string[] | null {
  return categoriesOfFilter(filter);
}

/**
 * The categories a rule can match: its filter's, narrowed for a sequence to those of its event
 * steps (an event matching no step is of no use to it). Null when any category will do.
 */
export function categoriesOfRule(rule: RuleSpec): string[] | null {
  const own = categoriesOfFilter(rule.filter);
  if (rule.type !== 'sequence') return own;
  const steps: string[] = [];
  for (const step of rule.steps) {
    if (!('filter' in step)) continue;
    const categories = categoriesOfFilter(step.filter);
    if (categories === null) return own;
    steps.push(...categories);
  }
  if (own === null) return steps;
  return own.filter((category) => steps.includes(category));
}

/**
 * The filter without its `bulwark.category` condition when that condition is a plain list: the
 * engine offers a rule only events of the categories it lists, so checking again is waste.
 */
export function withoutCategory(filter: Filter): Filter {
  if (categoriesOfFilter(filter) === null) return filter;
  const { 'bulwark.category': _, ...rest } = filter;
  return rest;
}

function categoriesOfFilter(filter: Filter): string[] | null {
  const condition = filter['bulwark.category'];
  if (condition === undefined) return null;
  if (typeof condition === 'string') return [condition];
  if (Array.isArray(condition)) return condition.map(String);
  return null;
}
