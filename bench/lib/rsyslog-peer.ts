/**
 * The syslog benchmark's peer: Debian's rsyslogd, the receiver the other tools (CrowdSec, fail2ban)
 * tell their users to put in front of them. It takes the same octet-counted TCP stream (imtcp) and
 * writes every message's parsed fields as a JSON line to a file (omfile): the nearest thing rsyslog
 * does to storing events. It does not classify, and it does not sync the file, where Bulwark
 * classifies every line and syncs each SQLite commit.
 *
 * Runs with its own config, work directory and pid file on a loopback port; never the system service.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';

export interface RsyslogPeer {
  pid: number;
  port: number;
  /** Messages written to the output file so far. */
  written(): number;
  stop(): Promise<void>;
}

/** One JSON object per message: the fields Bulwark's event has from the syslog envelope, and the text. */
const CONFIG = (dir: string, port: number, out: string) => `
global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="store")
template(name="event" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="host.name" name="hostname" format="jsonf")
  property(outname="process.name" name="programname" format="jsonf")
  property(outname="process.pid" name="procid" format="jsonf")
  property(outname="log.syslog.facility.code" name="syslogfacility" format="jsonf")
  property(outname="log.syslog.severity.code" name="syslogseverity" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
}
ruleset(name="store") {
  action(type="omfile" file="${out}" template="event")
}
`;

function rsyslogd(): string {
  for (const candidate of ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'])
    if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v rsyslogd'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      "the syslog benchmark's peer needs rsyslogd: apt-get install rsyslog (or pass --peer none)",
    );
  }
}

/** A port free on loopback now (the kernel's pick); rsyslog binds it a moment later. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Newlines in a file, counted from where the last call stopped (memchr speed: no lines are made). */
function lineCounter(file: string): () => number {
  const buffer = Buffer.allocUnsafe(1 << 20);
  let offset = 0;
  let lines = 0;
  return () => {
    if (!existsSync(file)) return 0;
    const fd = openSync(file, 'r');
    try {
      for (;;) {
        const read = readSync(fd, buffer, 0, buffer.length, offset);
        if (read === 0) break;
        offset += read;
        for (let at = buffer.indexOf(10); at !== -1 && at < read; at = buffer.indexOf(10, at + 1)) lines += 1;
      }
    } finally {
      closeSync(fd);
    }
    return lines;
  };
}

/** Starts rsyslogd in `dir` (which must exist and be empty); resolves once it listens. */
export async function startRsyslogPeer(dir: string): Promise<RsyslogPeer> {
  const binary = rsyslogd();
  const port = await freePort();
  const out = path.join(dir, 'events.jsonl');
  const confPath = path.join(dir, 'rsyslog.conf');
  // Its own pid file, so that it never touches the system service's.
  const pidPath = path.join(dir, 'rsyslogd.pid');
  writeFileSync(confPath, CONFIG(dir, port, out));
  // Checked first, so that a mistake fails with rsyslog's own words.
  execFileSync(binary, ['-N1', '-f', confPath], { stdio: 'pipe' });
  const child: ChildProcess = spawn(binary, ['-n', '-f', confPath, '-i', pidPath], {
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // Listening once a connection to its port is taken.
  for (const deadline = Date.now() + 10_000; ; ) {
    if (exited) throw new Error('rsyslogd exited at start');
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error(`rsyslogd did not listen on 127.0.0.1:${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid: child.pid as number,
    port,
    written: lineCounter(out),
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Whether a TCP connection to the port is accepted (closed at once: rsyslog logs nothing for it). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
