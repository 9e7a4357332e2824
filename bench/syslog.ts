/**
 * Syslog throughput into the standalone service, events stored: messages per second over TCP from
 * a load generator on loopback (its own process) until every message is committed to SQLite.
 *
 *   npm run bench:syslog            (add --messages N --connections C)
 *
 * The service runs as `bulwark start` with a fresh data directory and its defaults (synchronous=FULL,
 * batches of 1000); the rules engine evaluates everything as it arrives. Timing starts when the
 * generator starts and ends when the service's classified-event count reaches N; then it goes on
 * until the rules engine has committed its evaluation of all N (its checkpoint), and reports when.
 * Then the peer, rsyslogd (bench/lib/rsyslog-peer.ts), takes the same frames from the same generator
 * and writes them to a file, and the ratio of the two rates is printed: the VM's speed moves both.
 *
 *   --profile DIR        CPU profiles of the service (every thread, `node --cpu-prof`) into DIR
 *   --peer rsyslog|none  the peer to run after Bulwark (default rsyslog; needs Debian's rsyslog)
 *   --node-options=OPTS  more options for the service's node (e.g. "--max-old-space-size=4096"); the
 *                        service runs with --v8-pool-size=2, as deployed, unless OPTS sets it
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CpuSample, cpuBetween, cpuOf } from './lib/proc-cpu.js';
import { startRsyslogPeer } from './lib/rsyslog-peer.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'bench-admin-key-0123456789';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '500000' },
    connections: { type: 'string', default: '4' },
    /** A bulwark.yaml for the service, to measure other settings. */
    config: { type: 'string' },
    profile: { type: 'string' },
    'node-options': { type: 'string' },
    /** The peer run after Bulwark on the same frames: rsyslog (Debian's rsyslogd) or none. */
    peer: { type: 'string', default: 'rsyslog' },
  },
});
const messages = Number(values.messages);
if (values.peer !== 'rsyslog' && values.peer !== 'none') {
  throw new Error(`--peer is rsyslog or none, not ${values.peer}`);
}
/** How long the count may stand still before the run is called failed. */
const STALL_MS = 30_000;
const connections = Number(values.connections);

interface Started {
  url: string;
  syslog: { tcp: number };
}

async function startService(
  dataDir: string,
): Promise<{ started: Started; pid: number; stop: () => Promise<void> }> {
  const extra = values['node-options']?.split(/\s+/).filter(Boolean) ?? [];
  const nodeOptions = [
    // How the service is deployed (deploy/): two garbage collector helpers, one per core here.
    ...(extra.some((option) => option.startsWith('--v8-pool-size')) ? [] : ['--v8-pool-size=2']),
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`] : []),
    ...extra,
  ];
  const bin = path.join(ROOT, 'packages/cli/bin/bulwark.js');
  const child = spawn(process.execPath, [...nodeOptions, bin, 'start'], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      // How the service is deployed (deploy/): glibc's malloc asks for transparent huge pages.
      GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? 'glibc.malloc.hugetlb=1',
      BULWARK_DATA_DIR: dataDir,
      BULWARK_HTTP_PORT: '0',
      BULWARK_HTTP_HOST: '127.0.0.1',
      BULWARK_SYSLOG_PORT: '0',
      BULWARK_API_KEYS: `${KEY}:admin`,
      BULWARK_LOG_LEVEL: 'info',
      ...(values.config ? { BULWARK_CONFIG: path.resolve(values.config) } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = await new Promise<Started>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.includes('bulwark standalone listening'));
      if (line) resolve(JSON.parse(line) as Started);
    });
    child.once('exit', (code) => reject(new Error(`bulwark exited with ${code}`)));
  });
  return {
    started,
    pid: child.pid as number,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function metricsText(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
  return response.text();
}

async function stored(url: string): Promise<number> {
  let total = 0;
  for (const match of (await metricsText(url)).matchAll(
    /^bulwark_classified_events_total\{[^}]*transport="syslog"[^}]*\} (\d+)$/gm,
  )) {
    total += Number(match[1]);
  }
  return total;
}

/** The highest event seq whose evaluation the rules stage has committed (seqs start at 1 here). */
async function evaluated(url: string): Promise<number> {
  const match = /^bulwark_rules_checkpoint_seq\{[^}]*\} (\d+)$/m.exec(await metricsText(url));
  return match ? Number(match[1]) : 0;
}

/**
 * CPU per message: the service's (its busiest threads named) and the generator's. Throughput on a
 * shared machine moves with what else runs; CPU per message moves far less, so compare this.
 */
function cpuReport(service: CpuSample, servicePid: number, generatorSeconds: number): string {
  // Node names none of its threads: the main one is the one whose id is the process's.
  const busiest = [...service.threads]
    .sort(([, a], [, b]) => b.seconds - a.seconds)
    .slice(0, 6)
    .map(([tid, { seconds }]) => `${tid === String(servicePid) ? 'main' : tid} ${perMessage(seconds)}`)
    .join(', ');
  return `CPU per message: service ${perMessage(service.total)} (busiest threads: ${busiest}); load generator ${perMessage(generatorSeconds)}`;
}

interface Drive {
  seconds: number;
  /** The receiver's CPU when the clock started, and over the timed part. */
  before: CpuSample;
  cpu: CpuSample;
  generatorSeconds: number;
  /** When the timed part began (hrtime), for measuring on past it. */
  began: bigint;
  /** Resolves to the generator's exit code. */
  sent: Promise<number>;
}

/**
 * Sends `messages` frames to a receiver on `port` from the load generator, and times it until
 * `received()` reaches `messages`. The clock and the CPU counts start when the generator has made
 * its bytes and is about to connect.
 */
async function drive(
  port: number,
  receiverPid: number,
  received: () => Promise<number> | number,
): Promise<Drive> {
  const generator = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bench/dist/lib/syslog-load.js'),
      '127.0.0.1',
      String(port),
      String(messages),
      String(connections),
    ],
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] },
  );
  let generatorExited = false;
  const sent = new Promise<number>((resolve) =>
    generator.once('exit', (code) => {
      generatorExited = true;
      resolve(code ?? 1);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    generator.once('message', () => resolve());
    generator.once('exit', () => reject(new Error('the load generator exited before it was ready')));
  });
  const receiverBefore = cpuOf(receiverPid);
  const generatorBefore = cpuOf(generator.pid as number);
  const began = process.hrtime.bigint();
  // The generator's CPU, sampled until it exits (a process gone from /proc has no figures left).
  let generatorCpu = generatorBefore;
  let count = 0;
  // A receiver that stops taking messages (it crashed, or drops them) fails the run, not hangs it.
  let progressAt = Date.now();
  while (count < messages) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!generatorExited) {
      const sample = cpuOf(generator.pid as number);
      if (sample.total > 0) generatorCpu = sample;
    }
    const now = await received();
    if (now !== count) progressAt = Date.now();
    else if (Date.now() - progressAt > STALL_MS) {
      generator.kill();
      throw new Error(
        `the receiver took ${count} of ${messages} messages, then nothing for ${STALL_MS / 1000} s`,
      );
    }
    count = now;
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  return {
    seconds,
    before: receiverBefore,
    cpu: cpuBetween(receiverBefore, cpuOf(receiverPid)),
    generatorSeconds: cpuBetween(generatorBefore, generatorCpu).total,
    began,
    sent,
  };
}

const rate = (seconds: number) => Math.round(messages / seconds);
const perMessage = (cpuSeconds: number) => `${((cpuSeconds * 1e6) / messages).toFixed(1)} µs`;

/** Bulwark's run: messages/s stored, then on until the rules engine has evaluated every one. */
async function runBulwark(): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-syslog-'));
  const { started, pid, stop } = await startService(dataDir);
  try {
    const run = await drive(started.syslog.tcp, pid, () => stored(started.url));
    const behind = messages - (await evaluated(started.url));
    while ((await evaluated(started.url)) < messages) await new Promise((resolve) => setTimeout(resolve, 50));
    const rulesSeconds = Number(process.hrtime.bigint() - run.began) / 1e9;
    const rulesCpu = cpuBetween(run.before, cpuOf(pid));
    if ((await run.sent) !== 0) throw new Error('the load generator failed');
    process.stdout.write(
      `syslog TCP into standalone, events stored: ${messages.toLocaleString('en-US')} messages over ${connections} connection(s) in ${run.seconds.toFixed(2)} s = ${rate(run.seconds).toLocaleString('en-US')} messages/s\n`,
    );
    process.stdout.write(`${cpuReport(run.cpu, pid, run.generatorSeconds)}\n`);
    process.stdout.write(
      `rules engine: ${behind.toLocaleString('en-US')} events behind then, all evaluated at ${rulesSeconds.toFixed(2)} s = ${rate(rulesSeconds).toLocaleString('en-US')} events/s end to end; service CPU until then ${perMessage(rulesCpu.total)} per message\n`,
    );
    return rate(run.seconds);
  } finally {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The peer's run on the same frames from the same generator: messages/s written to its file. */
async function runRsyslog(): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-rsyslog-'));
  const peer = await startRsyslogPeer(dir);
  try {
    const run = await drive(peer.port, peer.pid, peer.written);
    if ((await run.sent) !== 0) throw new Error('the load generator failed');
    process.stdout.write(
      `peer, rsyslogd (imtcp, every message as a JSON line to a file, not synced): ${messages.toLocaleString('en-US')} messages in ${run.seconds.toFixed(2)} s = ${rate(run.seconds).toLocaleString('en-US')} messages/s; CPU per message ${perMessage(run.cpu.total)}; load generator ${perMessage(run.generatorSeconds)}\n`,
    );
    return rate(run.seconds);
  } finally {
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const bulwark = await runBulwark();
if (values.peer === 'rsyslog') {
  const rsyslog = await runRsyslog();
  process.stdout.write(`Bulwark / rsyslogd: ${(bulwark / rsyslog).toFixed(2)}× the messages/s\n`);
}
