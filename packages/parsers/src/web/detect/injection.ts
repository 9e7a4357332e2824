import { createRequire } from 'node:module';

/**
 * SQL injection and XSS in decoded request values, judged by libinjection: a tokenizer that
 * fingerprints the input as SQL or HTML and compares it with fingerprints of real attacks, so
 * `select a chair`, `O'Brien` or `1=1 puzzle book` stay benign where keyword regexes fire.
 * libinjection runs inside libddwaf (Datadog's WAF engine, `@datadog/native-appsec`, prebuilt for
 * Linux, macOS and Windows), which exposes it as the `is_sqli` and `is_xss` operators; see
 * ../README.md for why. Callers send only values that a cheap pre-check found suspicious.
 *
 * libinjection's XSS check reads HTML contexts; script contexts (`javascript:alert(1)`,
 * `';alert(String.fromCharCode(88))//`) are added here by a few patterns modelled on OWASP CRS
 * rules 941170 and 941390. Should the native engine be missing on some platform, a small
 * conservative pattern set stands in so the classifier still works (see `injectionEngine`).
 */

export interface InjectionVerdict {
  sqli: boolean;
  xss: boolean;
}

interface WafResult {
  events?: { rule?: { id?: string } }[];
  timeout?: boolean;
}
interface WafContext {
  readonly disposed: boolean;
  run(payload: { ephemeral: Record<string, unknown> }, timeoutMicros: number): WafResult;
  dispose(): void;
}
interface Waf {
  createContext(): WafContext;
}
type WafConstructor = new (rules: object, configPath: string) => Waf;

const VALUES = 'bulwark.request.values';
const RULES = {
  version: '2.2',
  metadata: { rules_version: '1.0.0' },
  rules: [
    {
      id: 'sqli',
      name: 'libinjection SQL injection',
      tags: { type: 'sql_injection', category: 'attack_attempt' },
      conditions: [{ operator: 'is_sqli', parameters: { inputs: [{ address: VALUES }] } }],
      transformers: [],
    },
    {
      id: 'xss',
      name: 'libinjection XSS',
      tags: { type: 'xss', category: 'attack_attempt' },
      conditions: [{ operator: 'is_xss', parameters: { inputs: [{ address: VALUES }] } }],
      transformers: [],
    },
  ],
};
/** Generous for values libddwaf truncates to 4 KiB each; a timeout counts as no finding. */
const TIMEOUT_MICROS = 50_000;
/** Runs per context before a fresh one: contexts are meant to be short-lived. */
const RUNS_PER_CONTEXT = 10_000;

/** libddwaf, loaded on first use (most log lines never need it), or null when it cannot load. */
let waf: Waf | null | undefined;
let context: WafContext | undefined;
let runs = 0;

function loadWaf(): Waf | null {
  try {
    const require = createRequire(import.meta.url);
    const { DDWAF } = require('@datadog/native-appsec') as { DDWAF: WafConstructor };
    return new DDWAF(RULES, 'bulwark/web-injection');
  } catch {
    return null;
  }
}

function engine(): Waf | null {
  if (waf === undefined) waf = loadWaf();
  return waf;
}

/** Which engine judges SQL injection and XSS in this process. */
export function injectionEngine(): 'libinjection' | 'fallback' {
  return engine() ? 'libinjection' : 'fallback';
}

function runWaf(instance: Waf, values: readonly string[]): InjectionVerdict | undefined {
  try {
    if (!context || context.disposed || runs >= RUNS_PER_CONTEXT) {
      context?.dispose();
      context = instance.createContext();
      runs = 0;
    }
    runs += 1;
    const result = context.run({ ephemeral: { [VALUES]: values } }, TIMEOUT_MICROS);
    const verdict = { sqli: false, xss: false };
    for (const event of result.events ?? []) {
      if (event.rule?.id === 'sqli') verdict.sqli = true;
      if (event.rule?.id === 'xss') verdict.xss = true;
    }
    return verdict;
  } catch {
    context = undefined;
    return undefined;
  }
}

// Script-context XSS: a `javascript:` URI that does something, or a call of a sink right after a
// character that closes a string or tag. Bounded gaps only: linear on any input.
const SCRIPT_URI = /(?:java|vb|live)script\s{0,8}:[^\s(]{0,64}[(=`\\.[<]/i;
const SCRIPT_CALL =
  /(?:^|[;'"`>)}|&+=])\s{0,8}(?:alert|prompt|confirm|eval|settimeout|setinterval|atob|fetch)\s{0,8}[(`]|string\s{0,4}\.\s{0,4}fromcharcode\s{0,4}\(|document\s{0,4}\.\s{0,4}(?:cookie|domain|write\s{0,4}\()|window\s{0,4}\.\s{0,4}location\s{0,4}=/i;

// Stand-ins for libinjection when it cannot load: fewer detections, still no false alarm on
// ordinary words or lone quotes.
const FALLBACK_SQLI =
  /'\s{0,8}(?:or|and|union|;|--|#|\/\*)|\bunion\s{1,8}(?:all\s{1,8})?select\b|;\s{0,8}(?:drop|delete|insert|update|shutdown)\s|\b(?:sleep|benchmark|pg_sleep)\s{0,4}\(\s{0,4}\d|\bwaitfor\s{1,8}delay\b|\)\s{0,8}(?:or|and)\s{1,8}\(?\s{0,8}\d{1,10}\s{0,8}=/i;
const FALLBACK_XSS =
  /<\s{0,4}\/?\s{0,4}(?:script|svg|img|iframe|body|object|embed|details)[\s/>]|\bon[a-z]{3,20}\s{0,4}=/i;

/**
 * Verdicts already reached, by the values judged: searches and links repeat (the same query from
 * many visitors, page after page), and a lookup is far cheaper than a pass through the engine.
 */
const verdicts = new Map<string, InjectionVerdict>();
const VERDICT_CACHE_LIMIT = 2048;
/** Longer inputs are judged afresh: they are rare, and must not churn the cache. */
const CACHEABLE_LENGTH = 512;

function judge(values: readonly string[]): InjectionVerdict {
  const instance = engine();
  const verdict = (instance && runWaf(instance, values)) || {
    sqli: values.some((value) => FALLBACK_SQLI.test(value)),
    xss: values.some((value) => FALLBACK_XSS.test(value)),
  };
  if (!verdict.xss) verdict.xss = values.some((value) => SCRIPT_URI.test(value) || SCRIPT_CALL.test(value));
  return verdict;
}

/** Whether any of the decoded values carries SQL injection or XSS. */
export function injectionIn(values: readonly string[]): InjectionVerdict {
  const key = values.length === 1 ? (values[0] as string) : values.join('\u0000');
  if (key.length > CACHEABLE_LENGTH) return judge(values);
  const known = verdicts.get(key);
  if (known) return { ...known };
  const verdict = judge(values);
  if (verdicts.size >= VERDICT_CACHE_LIMIT) verdicts.clear();
  verdicts.set(key, { ...verdict });
  return verdict;
}
