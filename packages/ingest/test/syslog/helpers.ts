import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawLog } from '@bulwark/schemas';
import {
  type SyslogListenerOptions,
  type SyslogListeners,
  type SyslogLog,
  startSyslogListeners,
} from '../../src/syslog/index.js';

/** Fails (never skips) when a program the tests drive is missing, naming what to install. */
export function requireTool(command: string, debianPackage: string): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin'])) {
    const path = join(dir, command);
    try {
      execFileSync('test', ['-x', path]);
      return path;
    } catch {
      // not here
    }
  }
  throw new Error(
    `${command} is not installed; these tests need it: apt-get install -y ${debianPackage} (see .ci/run)`,
  );
}

/** Fails when rsyslog's GnuTLS stream driver (Debian package rsyslog-gnutls) is not installed. */
export function requireRsyslogGnutls(): void {
  const roots = ['/usr/lib/rsyslog', '/usr/lib64/rsyslog'];
  try {
    for (const entry of readdirSync('/usr/lib')) roots.push(join('/usr/lib', entry, 'rsyslog'));
  } catch {
    // no /usr/lib to look in
  }
  if (roots.some((root) => existsSync(join(root, 'lmnsd_gtls.so')))) return;
  throw new Error(
    'rsyslog has no GnuTLS driver (lmnsd_gtls.so); these tests need it: apt-get install -y rsyslog-gnutls',
  );
}

export interface LogRecord {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

export function memoryLog(): SyslogLog & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return {
    records,
    info: (fields, message) => records.push({ level: 'info', fields, message }),
    warn: (fields, message) => records.push({ level: 'warn', fields, message }),
    error: (fields, message) => records.push({ level: 'error', fields, message }),
  };
}

export interface Collector {
  listeners: SyslogListeners;
  received: RawLog[];
  batches: number[];
  log: ReturnType<typeof memoryLog>;
  /** Resolves once `predicate` holds over what was received, or rejects after `timeoutMs`. */
  waitFor(predicate: (received: RawLog[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  lines(): string[];
}

/** Listeners on loopback, free ports, with an `accept` that keeps everything it is given. */
export async function startCollector(overrides: Partial<SyslogListenerOptions> = {}): Promise<Collector> {
  const received: RawLog[] = [];
  const batches: number[] = [];
  const log = memoryLog();
  const listeners = await startSyslogListeners({
    host: '127.0.0.1',
    port: 0,
    log,
    accept: async (raws) => {
      batches.push(raws.length);
      received.push(...raws);
    },
    ...overrides,
  });
  return {
    listeners,
    received,
    batches,
    log,
    lines: () => received.map((raw) => raw.line),
    waitFor: (predicate, timeoutMs = 10_000, what = 'messages') =>
      waitUntil(
        () => predicate(received),
        timeoutMs,
        () => `${what}; received so far: ${received.length}`,
      ),
  };
}

export async function waitUntil(
  check: () => boolean,
  timeoutMs: number,
  describe: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof describe === 'string' ? describe : describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `bulwark-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by a CA the server does not trust. */
  rogueCert: string;
  rogueKey: string;
  serverName: string;
}

/** A CA, a server certificate for `bulwark.test` (and 127.0.0.1), and client certificates, by openssl. */
export function makePki(dir: string): TestPki {
  const openssl = requireTool('openssl', 'openssl');
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const serverName = 'bulwark.test';
  const ca = (name: string) => {
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    );
  };
  const leaf = (name: string, issuer: string, cn: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.pem`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('test-ca');
  ca('rogue-ca');
  leaf(
    'server',
    'test-ca',
    serverName,
    `subjectAltName=DNS:${serverName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`,
  );
  leaf(
    'client',
    'test-ca',
    'web-01',
    'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  leaf(
    'rogue',
    'rogue-ca',
    'web-01',
    'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  const file = (name: string) => join(dir, name);
  return {
    dir,
    ca: file('test-ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    rogueCert: file('rogue.pem'),
    rogueKey: file('rogue.key'),
    serverName,
  };
}

/** Runs a program to completion; rejects with its stderr when it fails. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}

export interface Rsyslog {
  stop(): Promise<void>;
  output(): string;
}

/** Starts `rsyslogd -n` with its own config, pid file and work directory; never the system service. */
export async function startRsyslog(dir: string, config: string): Promise<Rsyslog> {
  const rsyslogd = requireTool('rsyslogd', 'rsyslog');
  const confPath = join(dir, 'rsyslog.conf');
  const pidPath = join(dir, 'rsyslogd.pid');
  writeFileSync(confPath, config);
  // Check the config first, so that a mistake fails with rsyslog's own words.
  await run(rsyslogd, ['-N1', '-f', confPath], { TZ: 'UTC' });
  let output = '';
  const child: ChildProcess = spawn(rsyslogd, ['-n', '-f', confPath, '-i', pidPath], {
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
  });
  await waitUntil(
    () => exited || readFileIfExists(pidPath) !== '',
    10_000,
    () => `rsyslogd to start; it said: ${output}`,
  );
  if (exited) throw new Error(`rsyslogd exited at start: ${output}`);
  return {
    output: () => output,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

function readFileIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
