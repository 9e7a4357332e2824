import { isNode, LineCounter, parseDocument } from 'yaml';
import { type Allowlist, RuleFileObject, RuleList, type RuleSpec } from './schema.js';

/** One problem in a rule file, with where it is. */
export interface RuleProblem {
  file: string;
  /** 1-based line, when the problem can be placed. */
  line?: number;
  /** Path inside the document, such as `rules.2.window`. */
  path: string;
  message: string;
}

export interface LoadedRules {
  rules: RuleSpec[];
  allow?: Allowlist;
}

/** Every problem found in one or more rule files, listed at once. */
export class RuleFileError extends Error {
  readonly problems: readonly RuleProblem[];
  constructor(problems: RuleProblem[]) {
    super(
      `invalid rules:\n${problems
        .map((p) => `  - ${p.file}${p.line ? `:${p.line}` : ''} ${p.path ? `${p.path}: ` : ''}${p.message}`)
        .join('\n')}`,
    );
    this.name = 'RuleFileError';
    this.problems = problems;
  }
}

/**
 * Parses and validates the text of a rule file. Returns the rules, or throws RuleFileError naming
 * every problem with its line: YAML syntax, zod validation, duplicate names.
 */
export function parseRuleFile(text: string, file: string): LoadedRules {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems: RuleProblem[] = [];
  for (const error of doc.errors) {
    problems.push({
      file,
      line: lines.linePos(error.pos[0]).line,
      path: '',
      message: error.message.split('\n')[0] ?? '',
    });
  }
  if (problems.length > 0) throw new RuleFileError(problems);

  const value: unknown = doc.toJS();
  if (typeof value !== 'object' || value === null) {
    throw new RuleFileError([
      { file, line: 1, path: '', message: 'expected a list of rules, or a mapping with `rules:`' },
    ]);
  }
  // Validated against one shape or the other, never their union: a union's errors say only "invalid".
  const parsed = Array.isArray(value) ? RuleList.safeParse(value) : RuleFileObject.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      problems.push({ file, path: path.join('.'), message: issue.message, ...lineOf(doc, lines, path) });
    }
    throw new RuleFileError(problems);
  }
  const loaded: LoadedRules = Array.isArray(parsed.data)
    ? { rules: parsed.data }
    : parsed.data.allow === undefined
      ? { rules: parsed.data.rules }
      : { rules: parsed.data.rules, allow: parsed.data.allow };
  const seen = new Map<string, number>();
  loaded.rules.forEach((rule, index) => {
    const first = seen.get(rule.name);
    if (first !== undefined) {
      const path = Array.isArray(parsed.data) ? [String(index), 'name'] : ['rules', String(index), 'name'];
      problems.push({
        file,
        path: path.join('.'),
        message: `duplicate rule name "${rule.name}" (also rule ${first + 1})`,
        ...lineOf(doc, lines, path),
      });
    } else seen.set(rule.name, index);
  });
  if (problems.length > 0) throw new RuleFileError(problems);
  return loaded;
}

/** The line of the deepest node that exists along `path` (a missing key is reported at its parent). */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  lines: LineCounter,
  path: string[],
): { line?: number } {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const keys = path.slice(0, depth).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    const node = depth === 0 ? doc.contents : doc.getIn(keys, true);
    if (isNode(node) && node.range) return { line: lines.linePos(node.range[0]).line };
  }
  return {};
}
