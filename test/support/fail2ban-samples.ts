import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where Debian's fail2ban package puts its annotated sample logs. */
export const FAIL2BAN_LOGS_CANDIDATES = [
  '/usr/lib/python3/dist-packages/fail2ban/tests/files/logs',
  '/usr/share/fail2ban/tests/files/logs',
];

export function fail2banLogsDir(): string {
  const found = FAIL2BAN_LOGS_CANDIDATES.find((dir) => existsSync(path.join(dir, 'sshd')));
  if (!found) {
    throw new Error(
      `fail2ban's sample logs are missing (looked in ${FAIL2BAN_LOGS_CANDIDATES.join(', ')}). ` +
        'Install them with: apt-get install fail2ban',
    );
  }
  return found;
}

/** One annotated sample line, as fail2ban's samplestestcase.py reads it. */
export interface Sample {
  file: string;
  /** 1-based line number in the sample file. */
  lineNo: number;
  line: string;
  match: boolean;
  host?: string;
  user?: string;
  time?: string;
  /** The filter options in force for this line (`mode`, `logtype`, ...), one set per filter run. */
  options: Record<string, unknown>[];
  /**
   * The option set Bulwark is judged under: fail2ban's normal mode where the block runs it (Bulwark
   * reports failed logins as normal mode does), else the first set of the block.
   */
  effective: Record<string, unknown>;
  /** False when the annotation's `constraint` excludes the effective option set. */
  applies: boolean;
}

const DIRECTIVE = /^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$/;

/**
 * Reads a sample file the way samplestestcase.py does: `# failJSON:` annotates the next line,
 * `# filterOptions:` sets the option sets for the lines after it, `# fileOptions:` merges into
 * them, and blocks whose `test.condition` is false for the filter `name` are skipped.
 */
export function readSamples(dir: string, name: string, filterName: string = name): Sample[] {
  const lines = readFileSync(path.join(dir, name), 'utf8').split('\n');
  const samples: Sample[] = [];
  let common: Record<string, unknown> = {};
  let options: Record<string, unknown>[] = [{}];
  let ignoreBlock = false;
  for (let i = 0; i < lines.length; i += 1) {
    const directive = DIRECTIVE.exec(lines[i] as string);
    if (!directive) continue;
    const data = JSON.parse(directive[2] as string) as Record<string, unknown> | Record<string, unknown>[];
    switch (directive[1]) {
      case 'fileOptions':
        common = data as Record<string, unknown>;
        options = [{ ...common }];
        ignoreBlock = conditionFails(common, filterName);
        break;
      case 'filterOptions': {
        const sets = (Array.isArray(data) ? data : [data]).map((set) => ({ ...common, ...set }));
        ignoreBlock = sets.some((set) => conditionFails(set, filterName));
        options = sets;
        break;
      }
      case 'failJSON': {
        i += 1;
        if (ignoreBlock) break;
        const annotation = data as Record<string, unknown>;
        const effective =
          options.find((set) => set.mode === undefined || set.mode === 'normal') ??
          (options[0] as Record<string, unknown>);
        const sample: Sample = {
          file: name,
          lineNo: i + 1,
          line: (lines[i] as string).replace(/\r$/, ''),
          match: annotation.match === true,
          options,
          effective,
          applies: constraintHolds(annotation.constraint, effective, filterName),
        };
        if (typeof annotation.host === 'string') sample.host = annotation.host;
        if (typeof annotation.user === 'string') sample.user = annotation.user;
        if (typeof annotation.time === 'string') sample.time = annotation.time;
        samples.push(sample);
        break;
      }
      default:
        break;
    }
  }
  return samples;
}

/** Evaluates the constraint forms the samples use: `name == '...'` and `opts.get('k') == '...'` (or `!=`). */
function constraintHolds(constraint: unknown, options: Record<string, unknown>, filterName: string): boolean {
  if (typeof constraint !== 'string') return true;
  const m = /^(name|opts\.get\('([\w.-]+)'\))\s*(==|!=)\s*'([^']*)'$/.exec(constraint.trim());
  if (!m) throw new Error(`unsupported constraint: ${constraint}`);
  const actual = m[1] === 'name' ? filterName : options[m[2] as string];
  return m[3] === '==' ? actual === m[4] : actual !== m[4];
}

/** Evaluates the only `test.condition` form the samples use: `name=='...'` (or `!=`). */
function conditionFails(options: Record<string, unknown>, filterName: string): boolean {
  const condition = options['test.condition'];
  if (typeof condition !== 'string') return false;
  const m = /^name\s*(==|!=)\s*'([^']*)'$/.exec(condition.trim());
  if (!m) throw new Error(`unsupported test.condition: ${condition}`);
  return m[1] === '==' ? filterName !== m[2] : filterName === m[2];
}
