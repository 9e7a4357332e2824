import type { Threat } from '@bulwark/schemas';
import { decodeComponent, decodeQuery } from './decode.js';
import { injectionIn } from './injection.js';
import { isProbeTarget } from './probes.js';
import { isScannerAgent } from './scanners.js';
import { isSensitivePath } from './sensitive.js';
import { isTraversal } from './traversal.js';

/** What detection looks at in one request, as the log wrote it. */
export interface RequestView {
  /** Path as logged (still encoded). */
  path: string;
  /** Query string as logged, without `?`. */
  query?: string | undefined;
  userAgent?: string | undefined;
  /** The server answered that the resource does not exist (404, or an error log said so). */
  missing: boolean;
}

/** Longest text judged; payloads hide early, and the bound keeps hostile lines cheap. */
const MAX_TEXT = 8192;

// Cheap gates, tested on the raw text of every request: only text that passes one is decoded
// and handed to the detectors. A benign path or query (letters, digits, `/`, `-`, `+`, one `=`
// per parameter) passes none of them, which is what keeps access logs fast.
/** Characters and words an encoded, traversing or injecting path contains. */
const PATH_GATE = /[%'"<>();\\`]|\.\./;
/**
 * Characters that SQL injection and XSS need, a second `=` in one parameter (`id=1 or 1=1`),
 * comments, and the SQL and script words that work without any of those characters.
 */
const QUERY_GATE =
  /[%'"<>();\\`*#|!{}[\]]|\.\.|--|=[^&=]{0,2048}=|\b(?:union|select|sleep|benchmark|waitfor|exec|script|alert|on[a-z]{3,20}|etc|proc|windows|win\.ini|boot\.ini)\b/i;
/** After decoding: characters without which a value carries no SQL injection or XSS. */
const INJECTION_CHARS = /['"<>();`=#*\\-]|\b(?:union|select|and|or|sleep|benchmark|waitfor)\b/i;

/** `threats` with `threat` added once; allocated only when a request carries a first threat. */
function withThreat(threats: Threat[] | undefined, threat: Threat): Threat[] {
  if (!threats) return [threat];
  if (!threats.includes(threat)) threats.push(threat);
  return threats;
}

function bounded(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

/**
 * The threats one request carries, or undefined for a benign one. Never throws; linear in the
 * (bounded) length of the request.
 */
export function detectThreats(request: RequestView): Threat[] | undefined {
  let threats: Threat[] | undefined;

  const rawPath = bounded(request.path);
  const pathGated = PATH_GATE.test(rawPath);
  const path = pathGated ? decodeComponent(rawPath, false) : rawPath;
  if (isSensitivePath(path)) threats = withThreat(threats, 'sensitive_resource');
  if (isTraversal(path)) threats = withThreat(threats, 'path_traversal');
  if (request.missing && isProbeTarget(path)) threats = withThreat(threats, 'scanner');

  // Values for libinjection, gathered only from text that passed a gate.
  let injectable: string[] | undefined;
  if (pathGated && INJECTION_CHARS.test(path)) {
    injectable = path.split('/').filter((segment) => segment !== '' && INJECTION_CHARS.test(segment));
  }
  const query = request.query === undefined ? '' : bounded(request.query);
  if (query !== '' && QUERY_GATE.test(query)) {
    for (const value of decodeQuery(query)) {
      if (isTraversal(value)) threats = withThreat(threats, 'path_traversal');
      if (!INJECTION_CHARS.test(value)) continue;
      injectable ??= [];
      injectable.push(value);
    }
  }
  if (injectable !== undefined && injectable.length > 0) {
    const verdict = injectionIn(injectable);
    if (verdict.sqli) threats = withThreat(threats, 'sqli');
    if (verdict.xss) threats = withThreat(threats, 'xss');
  }

  if (request.userAgent !== undefined && request.userAgent !== '-' && isScannerAgent(request.userAgent)) {
    threats = withThreat(threats, 'scanner');
  }
  return threats;
}
