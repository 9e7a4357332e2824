import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'packages/cli/bin/bulwark.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures');

/** Keys the end-to-end suites run with: one per scope, long enough to pass validation. */
export const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  read: 'test-read-key-0123456789ab',
  admin: 'test-admin-key-0123456789a',
};
export const KEYS_ENV = `${KEYS.ingest}:ingest,${KEYS.read}:read,${KEYS.admin}:admin`;

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `bulwark-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface RunningProcess {
  url: string;
  /** Syslog ports bound (UDP and TCP share one number). */
  syslog: { udp?: number; tcp?: number; tls?: number };
  child: ChildProcess;
  stdout: string[];
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Starts `bulwark start` as a real child process on a free port and resolves once it listens.
 * Its JSON log lines are collected in `stdout`.
 */
export function startService(dataDir: string, env: Record<string, string> = {}): Promise<RunningProcess> {
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      BULWARK_DATA_DIR: dataDir,
      BULWARK_HTTP_PORT: '0',
      BULWARK_HTTP_HOST: '127.0.0.1',
      BULWARK_SYSLOG_PORT: '0',
      BULWARK_API_KEYS: KEYS_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        stdout.push(line);
        if (line.includes('bulwark standalone listening')) {
          const started = JSON.parse(line) as { url: string; syslog: RunningProcess['syslog'] | null };
          resolve({
            url: started.url,
            syslog: started.syslog ?? {},
            child,
            stdout,
            stderr: () => stderr,
            exited,
          });
        }
        newline = buffered.indexOf('\n');
      }
    });
    void exited.then((code) => reject(new Error(`bulwark exited (${code}) before listening:\n${stderr}`)));
  });
}

/** Sends SIGTERM and waits for a clean exit. */
export async function stopService(running: RunningProcess): Promise<number | string> {
  running.child.kill('SIGTERM');
  return running.exited;
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** POSTs a body to /v1/logs with the ingest key. */
export async function ship(
  url: string,
  body: string | Uint8Array,
  contentType = 'text/plain',
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...bearer(KEYS.ingest), ...extraHeaders },
    body,
  });
}

/** GETs a JSON resource with the read key. */
export async function getJson<T>(url: string, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${url}${pathAndQuery}`, { headers: bearer(KEYS.read) });
  if (!response.ok) throw new Error(`GET ${pathAndQuery}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

/** sshd lines of a burst of failed passwords from one address, one second apart. */
export function sshdFailures(ip: string, count: number, startSecond = 0, user = 'root'): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const s = startSecond + i;
    const hh = String(10 + Math.floor(s / 3600)).padStart(2, '0');
    const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    lines.push(
      `Nov 22 ${hh}:${mm}:${ss} bastion sshd[${2000 + i}]: Failed password for ${user} from ${ip} port ${40000 + i} ssh2`,
    );
  }
  return `${lines.join('\n')}\n`;
}
