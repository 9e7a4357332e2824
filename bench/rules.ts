/**
 * Rules engine throughput with one million distinct source addresses in play, and its memory.
 *
 *   npm run bench:rules            (add --events N --addresses N)
 *
 * Events are made on the fly (failed SSH logins, web requests, app logins, a few attacks) from a
 * million addresses, in event time, one millisecond apart, and run through the default pack in
 * batches of 1000, as the rules stage does, taking the changed state every 300 batches (the stage
 * writes it about once a second). Only the engine's calls are timed; making the events is not.
 * Event ids are UUIDv7-shaped, as the classifier gives them.
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

/**
 * Text is written into one buffer and read out as a flat string: one allocation per field, as a
 * parser's output would be, rather than the trail of pieces that template strings leave.
 */
const scratch = Buffer.alloc(64);

function address(n: number): string {
  const text = `${10 + ((n >>> 16) & 0xff)}.${(n >>> 8) & 0xff}.${n & 0xff}.${1 + (n % 250)}`;
  const length = scratch.write(text, 'latin1');
  return scratch.toString('latin1', 0, length);
}

const HEX = '0123456789abcdef';

/** A UUIDv7-shaped id, as the classifier gives every event (ids are most of what rules keep). */
function eventId(time: number, random: () => number): string {
  let at = 0;
  const put = (digit: number) => {
    scratch[at] = HEX.charCodeAt(digit & 15);
    at += 1;
  };
  for (let shift = 44; shift >= 0; shift -= 4) {
    if (at === 8) scratch[at++] = 45;
    put(Math.floor(time / 2 ** shift));
  }
  for (const [position, fixed] of [
    [13, -1],
    [14, 7],
    [18, -1],
    [19, 8],
    [23, -1],
  ] as const) {
    while (at < position) put(Math.floor(random() * 16));
    if (fixed < 0) scratch[at++] = 45;
    else put(fixed === 8 ? 8 + Math.floor(random() * 4) : fixed);
  }
  while (at < 36) put(Math.floor(random() * 16));
  return scratch.toString('latin1', 0, 36);
}

const THREATS: SecurityEvent['bulwark.threat'][] = [['sqli'], ['sensitive_resource']];

/**
 * The events of a batch, one object per slot and kind, made once and refilled: the engine keeps no
 * event, and the collector then spends its time on what the engine does, not on the generator.
 */
function pool(fields: Partial<SecurityEvent>): SecurityEvent[] {
  return Array.from({ length: BATCH }, () => ({
    '@timestamp': '',
    'event.id': '',
    message: '',
    'source.ip': '',
    'event.dataset': '',
    'bulwark.category': 'other',
    ...fields,
  }));
}
const failures = pool({
  'event.dataset': 'sshd',
  'bulwark.category': 'failed_login',
  'event.outcome': 'failure',
  'user.name': '',
});
const requests = pool({
  'event.dataset': 'nginx.access',
  'event.category': ['web'],
  'bulwark.category': 'other',
});
const logins = pool({
  'event.dataset': 'app',
  'bulwark.category': 'successful_login',
  'event.outcome': 'success',
  'user.name': '',
});
const attacks = pool({
  'event.dataset': 'nginx.access',
  'event.category': ['web'],
  'bulwark.category': 'malicious_traffic',
  'bulwark.threat': [],
});

/** Fills `batch` with the events numbered from `first`. */
function makeBatch(batch: SecurityEvent[], first: number, random: () => number): void {
  batch.length = 0;
  for (let i = first, slot = 0; i < first + BATCH && i < total; i += 1, slot += 1) {
    const ip = address(Math.floor(random() * addresses));
    const roll = random();
    let event: SecurityEvent;
    if (roll < 0.7) {
      event = failures[slot] as SecurityEvent;
      event['user.name'] = USERS[Math.floor(random() * USERS.length)] as string;
    } else if (roll < 0.9) event = requests[slot] as SecurityEvent;
    else if (roll < 0.98) {
      event = logins[slot] as SecurityEvent;
      event['user.name'] = `user${Math.floor(random() * 100_000)}`;
    } else {
      event = attacks[slot] as SecurityEvent;
      event['bulwark.threat'] = THREATS[random() < 0.5 ? 0 : 1];
    }
    event['@timestamp'] = new Date(START + i).toISOString();
    event['event.id'] = eventId(START + i, random);
    event['source.ip'] = ip;
    batch.push(event);
  }
}

const { rules } = loadRuleFiles([]);
const engine = new RuleEngine({ rules });
const random = seeded(7);
const batch: SecurityEvent[] = [];
let changes = 0;
let evaluating = 0n;
let making = 0n;
/** CPU time (all the process's threads, the collector's included) spent in the engine's calls. */
let engineCpu = 0;
for (let first = 0, batches = 1; first < total; first += BATCH, batches += 1) {
  const made = process.hrtime.bigint();
  makeBatch(batch, first, random);
  const began = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  changes += engine.evaluate(batch).length;
  // The rules stage writes rule state about once a second; at the goal's rate that is every 300 batches.
  if (batches % 300 === 0) engine.takeDirty();
  const used = process.cpuUsage(cpu);
  engineCpu += (used.user + used.system) / 1e6;
  const ended = process.hrtime.bigint();
  making += began - made;
  evaluating += ended - began;
}
const seconds = Number(evaluating) / 1e9;
const stats = engine.stats();
const heldKeys = Object.values(stats.keys).reduce((sum, n) => sum + n, 0);
const rss = process.memoryUsage().rss;
process.stdout.write(
  [
    `rules engine, default pack: ${total.toLocaleString('en-US')} events from ${addresses.toLocaleString('en-US')} addresses`,
    `  ${Math.round(total / seconds).toLocaleString('en-US')} events/s (${seconds.toFixed(2)} s in the engine; making the events took ${(Number(making) / 1e9).toFixed(2)} s, not counted)`,
    `  ${Math.round(total / engineCpu).toLocaleString('en-US')} events per CPU second (${engineCpu.toFixed(2)} s of CPU in the engine)`,
    `  ${changes.toLocaleString('en-US')} incident changes, ${stats.episodes.toLocaleString('en-US')} incidents open, ${heldKeys.toLocaleString('en-US')} keys held`,
    `  RSS at the end: ${(rss / 1_048_576).toFixed(0)} MiB`,
    '',
  ].join('\n'),
);
