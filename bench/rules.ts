/**
 * Rules engine throughput with one million distinct source addresses in play, and its memory.
 *
 *   npm run bench:rules            (add --events N --addresses N --skew S --rules a,b)
 *
 * Events are made on the fly (failed SSH logins, web requests, app logins, a few attacks) from a
 * million addresses, in event time, one millisecond apart, and run through the default pack in
 * batches of 1000, as the rules stage does, saving a snapshot of the engine's state every 1000
 * batches (the stage saves one every 30 seconds, which at the goal's rate is every 9000) through the
 * stage's own FileSnapshotStore. Timed: the engine's calls, and of each snapshot what the stage's
 * thread does (encoding it and copying it into the file); not timed: making the events, and the
 * flush to disk and the swap of files that the stage leaves to the background.
 * Event ids are UUIDv7-shaped, as the classifier gives them.
 * RSS is read at the end, with every key the engine holds still in memory.
 *
 * Addresses are drawn uniformly by default: every event goes to a key no cache has seen lately,
 * the worst case. `--skew S` draws half the events by a Zipf law of exponent S over the same
 * addresses (a few busy clients and attackers, a long tail) and half uniformly (the scanners and
 * botnets that keep every address in play), which is closer to real traffic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeSnapshot, loadRuleFiles, RuleEngine } from '@bulwark/rules';
import type { SecurityEvent } from '@bulwark/schemas';
import { FileSnapshotStore } from '@bulwark/store';
import { seeded } from './lib/random.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '3000000' },
    addresses: { type: 'string', default: '1000000' },
    skew: { type: 'string' },
    mix: { type: 'string', default: 'attack' },
    /** Batches between snapshots (0: never, to see what persisting costs). */
    'snapshot-every': { type: 'string', default: '1000' },
    /** Only these rules of the default pack (comma-separated names), to see what each costs. */
    rules: { type: 'string' },
  },
});
const total = Number(values.events);
const addresses = Number(values.addresses);
const skew = values.skew === undefined ? undefined : Number(values.skew);
const snapshotEvery = Number(values['snapshot-every']);
const snapshotDir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-rules-'));
let snapshots = 0;
let snapshotBytes = 0;

const snapshotStore = new FileSnapshotStore(snapshotDir);

/**
 * Saves a snapshot as the rules stage does. The pieces are in the file when this returns; the
 * promise settles once the file is flushed and has replaced the previous one.
 */
function saveSnapshot(): Promise<void> {
  const pieces = encodeSnapshot(engine.snapshot(), { checkpoint: snapshots });
  for (const piece of pieces) snapshotBytes += piece.byteLength;
  snapshots += 1;
  return snapshotStore.save('rules-engine', pieces);
}
/**
 * Shares of failed logins, web requests and app logins (the rest are attacks on the web server).
 * `attack`: a host under a brute-force storm; `typical`: a web property on a normal day.
 */
const MIXES: Record<string, [number, number, number]> = {
  attack: [0.7, 0.2, 0.08],
  typical: [0.04, 0.9, 0.05],
};
const mix = MIXES[values.mix ?? 'attack'];
if (mix === undefined) throw new Error(`--mix is one of ${Object.keys(MIXES).join(', ')}`);
const [failedShare, requestShare, loginShare] = mix;
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

/** Cumulative Zipf weights of the address ranks, for `--skew`. */
const zipf = skew === undefined ? undefined : zipfTable(addresses, skew);

function zipfTable(count: number, exponent: number): Float64Array {
  const table = new Float64Array(count);
  let sum = 0;
  for (let rank = 0; rank < count; rank += 1) {
    sum += 1 / (rank + 1) ** exponent;
    table[rank] = sum;
  }
  for (let rank = 0; rank < count; rank += 1) table[rank] = (table[rank] as number) / sum;
  return table;
}

/** The address number of the next event. */
function pickAddress(random: () => number): number {
  if (zipf === undefined || random() < 0.5) return Math.floor(random() * addresses);
  const target = random();
  let low = 0;
  let high = addresses - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((zipf[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  // Ranks are spread over the addresses (7919 is prime to any count of the form 2^a 5^b).
  return (low * 7919) % addresses;
}

/** Fills `batch` with the events numbered from `first`. */
function makeBatch(batch: SecurityEvent[], first: number, random: () => number): void {
  batch.length = 0;
  for (let i = first, slot = 0; i < first + BATCH && i < total; i += 1, slot += 1) {
    const ip = address(pickAddress(random));
    const roll = random();
    let event: SecurityEvent;
    if (roll < failedShare) {
      event = failures[slot] as SecurityEvent;
      event['user.name'] = USERS[Math.floor(random() * USERS.length)] as string;
    } else if (roll < failedShare + requestShare) event = requests[slot] as SecurityEvent;
    else if (roll < failedShare + requestShare + loginShare) {
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

const only = values.rules?.split(',');
const rules = loadRuleFiles([]).rules.filter((rule) => !only || only.includes(rule.name));
// Plain incident updates held for a minute of event time, as the service's default `rules.update_every`.
const engine = new RuleEngine({ rules, updateEvery: 60_000 });
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
  const saving = snapshotEvery > 0 && batches % snapshotEvery === 0 ? saveSnapshot() : null;
  const used = process.cpuUsage(cpu);
  engineCpu += (used.user + used.system) / 1e6;
  const ended = process.hrtime.bigint();
  making += began - made;
  evaluating += ended - began;
  // The rest of the save, off the clock (the stage goes on evaluating meanwhile).
  if (saving !== null) await saving;
}
const seconds = Number(evaluating) / 1e9;
const stats = engine.stats();
const heldKeys = Object.values(stats.keys).reduce((sum, n) => sum + n, 0);
const memory = process.memoryUsage();
const rss = memory.rss;
const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MiB`;
process.stdout.write(
  [
    `rules engine, ${only ? only.join(', ') : 'default pack'}, ${values.mix} mix: ${total.toLocaleString('en-US')} events from ${addresses.toLocaleString('en-US')} addresses, ${skew === undefined ? 'uniformly' : `half by Zipf (${skew}), half uniformly`}`,
    `  ${Math.round(total / seconds).toLocaleString('en-US')} events/s (${seconds.toFixed(2)} s in the engine; making the events took ${(Number(making) / 1e9).toFixed(2)} s, not counted)`,
    `  ${Math.round(total / engineCpu).toLocaleString('en-US')} events per CPU second (${engineCpu.toFixed(2)} s of CPU in the engine)`,
    `  ${changes.toLocaleString('en-US')} incident changes, ${stats.episodes.toLocaleString('en-US')} incidents open, ${heldKeys.toLocaleString('en-US')} keys held`,
    `  ${snapshots} snapshots written, ${mib(snapshotBytes / Math.max(1, snapshots))} each`,
    `  RSS at the end: ${mib(rss)} (JS heap ${mib(memory.heapUsed)} used of ${mib(memory.heapTotal)}, typed arrays ${mib(memory.arrayBuffers)})`,
    '',
  ].join('\n'),
);
rmSync(snapshotDir, { recursive: true, force: true });
