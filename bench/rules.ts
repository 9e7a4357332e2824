/**
 * Rules engine throughput with one million distinct source addresses in play, and its memory.
 *
 *   npm run bench:rules            (add --events N --addresses N)
 *
 * Events are made on the fly (failed SSH logins, web requests, app logins, a few attacks) from a
 * million addresses, in event time, one millisecond apart, and run through the default pack in
 * batches of 1000, as the rules stage does, taking the changed state every 300 batches (the stage
 * writes it about once a second). Generating the events is timed apart and taken off.
 * RSS is read at the end, with every key the engine holds still in memory.
 */
import { parseArgs } from 'node:util';
import { loadRuleFiles, RuleEngine } from '@bulwark/rules';
import type { SecurityEvent } from '@bulwark/schemas';
import { seeded } from './lib/random.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '3000000' },
    addresses: { type: 'string', default: '1000000' },
  },
});
const total = Number(values.events);
const addresses = Number(values.addresses);
const BATCH = 1000;
const START = Date.UTC(2026, 10, 21, 0, 0, 0);
const USERS = ['root', 'admin', 'test', 'user', 'oracle', 'postgres', 'ubuntu', 'git', 'deploy', 'pi'];

function address(n: number): string {
  return `${10 + ((n >>> 16) & 0xff)}.${(n >>> 8) & 0xff}.${n & 0xff}.${1 + (n % 250)}`;
}

/** Fills `batch` with the events numbered from `first`. */
function makeBatch(batch: SecurityEvent[], first: number, random: () => number): void {
  batch.length = 0;
  for (let i = first; i < first + BATCH && i < total; i += 1) {
    const at = new Date(START + i).toISOString();
    const ip = address(Math.floor(random() * addresses));
    const roll = random();
    const base = { '@timestamp': at, 'event.id': `e${i}`, message: '', 'source.ip': ip };
    if (roll < 0.7) {
      batch.push({
        ...base,
        'event.dataset': 'sshd',
        'bulwark.category': 'failed_login',
        'event.outcome': 'failure',
        'user.name': USERS[Math.floor(random() * USERS.length)] as string,
      });
    } else if (roll < 0.9) {
      batch.push({
        ...base,
        'event.dataset': 'nginx.access',
        'event.category': ['web'],
        'bulwark.category': 'other',
      });
    } else if (roll < 0.98) {
      batch.push({
        ...base,
        'event.dataset': 'app',
        'bulwark.category': 'successful_login',
        'event.outcome': 'success',
        'user.name': `user${Math.floor(random() * 100_000)}`,
      });
    } else {
      batch.push({
        ...base,
        'event.dataset': 'nginx.access',
        'event.category': ['web'],
        'bulwark.category': 'malicious_traffic',
        'bulwark.threat': [random() < 0.5 ? 'sqli' : 'sensitive_resource'],
      });
    }
  }
}

function run(evaluate: ((batch: SecurityEvent[]) => number) | null): { seconds: number; changes: number } {
  const random = seeded(7);
  const batch: SecurityEvent[] = [];
  let changes = 0;
  const began = process.hrtime.bigint();
  for (let first = 0; first < total; first += BATCH) {
    makeBatch(batch, first, random);
    if (evaluate) changes += evaluate(batch);
  }
  return { seconds: Number(process.hrtime.bigint() - began) / 1e9, changes };
}

const generation = run(null);
const { rules } = loadRuleFiles([]);
const engine = new RuleEngine({ rules });
// The rules stage writes rule state about once a second; at the goal's rate that is every 300 batches.
let batches = 0;
const timed = run((batch) => {
  const changes = engine.evaluate(batch).length;
  batches += 1;
  if (batches % 300 === 0) engine.takeDirty();
  return changes;
});
const seconds = timed.seconds - generation.seconds;
const stats = engine.stats();
const heldKeys = Object.values(stats.keys).reduce((sum, n) => sum + n, 0);
const rss = process.memoryUsage().rss;
process.stdout.write(
  [
    `rules engine, default pack: ${total.toLocaleString('en-US')} events from ${addresses.toLocaleString('en-US')} addresses`,
    `  ${Math.round(total / seconds).toLocaleString('en-US')} events/s (${seconds.toFixed(2)} s of evaluation; making the events took ${generation.seconds.toFixed(2)} s, not counted)`,
    `  ${timed.changes.toLocaleString('en-US')} incident changes, ${stats.episodes.toLocaleString('en-US')} incidents open, ${heldKeys.toLocaleString('en-US')} keys held`,
    `  RSS at the end: ${(rss / 1_048_576).toFixed(0)} MiB`,
    '',
  ].join('\n'),
);
