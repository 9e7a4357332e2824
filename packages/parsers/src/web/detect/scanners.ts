/**
 * Known attack and reconnaissance tools by their default user agent. Curated for Bulwark from the
 * tools OWASP CRS lists in its security-scanner user-agent data (rule 913100) and the scanners
 * seen in the wild; all of them announce themselves unless their operator changes the agent, so a
 * match is a strong signal and a miss proves nothing. Generic HTTP clients (curl, python-requests,
 * Go-http-client) and research crawlers are deliberately absent: they are not attacks by themselves.
 */
const SCANNER_AGENT = new RegExp(
  [
    'sqlmap',
    'nikto',
    'nuclei',
    'masscan',
    'zgrab',
    'nmap',
    'wpscan',
    'dirbuster',
    '\\bdirb\\b',
    'gobuster',
    'feroxbuster',
    'fuzz faster u fool',
    'wfuzz',
    'whatweb',
    'openvas',
    'nessus',
    'netsparker',
    'acunetix',
    'w3af',
    'arachni',
    'skipfish',
    'zmeu',
    'jorgee',
    'morfeus',
    'havij',
    'fimap',
    'commix',
    'xsstrike',
    'sqlninja',
    'joomscan',
    'droopescan',
    'libwhisker',
    'webshag',
    'wprecon',
    '\\(hydra\\)',
  ].join('|'),
  'i',
);

/** Agents already looked at: logs repeat a handful of agents, so most lines cost one map lookup. */
const cache = new Map<string, boolean>();
const CACHE_LIMIT = 512;
/** Longer agents are not cached (a flood of unique junk agents must not churn the cache). */
const CACHEABLE_LENGTH = 512;

/** The previous agent and its verdict: consecutive lines often share one, and comparing is cheaper than hashing. */
let lastAgent = '';
let lastVerdict = false;

/** Whether a user agent is a known scanner's. */
export function isScannerAgent(agent: string): boolean {
  if (agent === lastAgent) return lastVerdict;
  if (agent.length > CACHEABLE_LENGTH) return SCANNER_AGENT.test(agent.slice(0, 4096));
  let verdict = cache.get(agent);
  if (verdict === undefined) {
    verdict = SCANNER_AGENT.test(agent);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(agent, verdict);
  }
  lastAgent = agent;
  lastVerdict = verdict;
  return verdict;
}
