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
 *
 *   --profile DIR        CPU profiles of the service (every thread, `node --cpu-prof`) into DIR
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
  },
});
const messages = Number(values.messages);
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
  const perMessage = (cpuSeconds: number) => `${((cpuSeconds * 1e6) / messages).toFixed(1)} µs`;
  // Node names none of its threads: the main one is the one whose id is the process's.
  const busiest = [...service.threads]
    .sort(([, a], [, b]) => b.seconds - a.seconds)
    .slice(0, 6)
    .map(([tid, { seconds }]) => `${tid === String(servicePid) ? 'main' : tid} ${perMessage(seconds)}`)
    .join(', ');
  return `CPU per message: service ${perMessage(service.total)} (busiest threads: ${busiest}); load generator ${perMessage(generatorSeconds)}`;
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-syslog-'));
const { started, pid, stop } = await startService(dataDir);
try {
  const generator = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bench/dist/lib/syslog-load.js'),
      '127.0.0.1',
      String(started.syslog.tcp),
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
  // The clock starts once the generator has made its bytes and is about to connect.
  await new Promise<void>((resolve, reject) => {
    generator.once('message', () => resolve());
    generator.once('exit', () => reject(new Error('the load generator exited before it was ready')));
  });
  const serviceBefore = cpuOf(pid);
  const generatorBefore = cpuOf(generator.pid as number);
  const began = process.hrtime.bigint();
  // The generator's CPU, sampled until it exits (a process gone from /proc has no figures left).
  let generatorCpu = generatorBefore;
  let count = 0;
  while (count < messages) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!generatorExited) {
      const sample = cpuOf(generator.pid as number);
      if (sample.total > 0) generatorCpu = sample;
    }
    count = await stored(started.url);
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const serviceCpu = cpuBetween(serviceBefore, cpuOf(pid));
  const behind = messages - (await evaluated(started.url));
  while ((await evaluated(started.url)) < messages) await new Promise((resolve) => setTimeout(resolve, 50));
  const rulesSeconds = Number(process.hrtime.bigint() - began) / 1e9;
  const rulesCpu = cpuBetween(serviceBefore, cpuOf(pid));
  if ((await sent) !== 0) throw new Error('the load generator failed');
  process.stdout.write(
    `syslog TCP into standalone, events stored: ${messages.toLocaleString('en-US')} messages over ${connections} connection(s) in ${seconds.toFixed(2)} s = ${Math.round(messages / seconds).toLocaleString('en-US')} messages/s\n`,
  );
  process.stdout.write(`${cpuReport(serviceCpu, pid, cpuBetween(generatorBefore, generatorCpu).total)}\n`);
  process.stdout.write(
    `rules engine: ${behind.toLocaleString('en-US')} events behind then, all evaluated at ${rulesSeconds.toFixed(2)} s = ${Math.round(messages / rulesSeconds).toLocaleString('en-US')} events/s end to end; service CPU until then ${((rulesCpu.total * 1e6) / messages).toFixed(1)} µs per message\n`,
  );
} finally {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
}
