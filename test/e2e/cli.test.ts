import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, eventually, removeDir, startService, stopService, tempDir } from '../support/service.js';

const run = promisify(execFile);

describe('bulwark start: keys and configuration', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  it('generates an admin key on first start, prints it once and keeps only its hash', async () => {
    const dataDir = tempDir('keygen');
    dirs.push(dataDir);
    const first = await startService(dataDir, { BULWARK_API_KEYS: '' });
    // The key is printed once the service listens, so it may trail the "listening" log line.
    const key = await eventually(async () => /(bwk_[A-Za-z0-9_-]{43})\n/.exec(first.stderr())?.[1]);
    const ok = await fetch(`${first.url}/v1/incidents`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    expect(await stopService(first)).toBe(0);

    const stored = readFileSync(path.join(dataDir, 'api-keys.json'), 'utf8');
    expect(stored).not.toContain(key);
    expect(stored).toMatch(/"sha256": "[0-9a-f]{64}"/);

    const second = await startService(dataDir, { BULWARK_API_KEYS: '' });
    expect(second.stderr()).not.toContain('bwk_');
    const again = await fetch(`${second.url}/v1/incidents`, { headers: { authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
    expect(await stopService(second)).toBe(0);
  });

  it('lists every configuration problem at once, with its path, and exits non-zero', async () => {
    const dataDir = tempDir('badconfig');
    dirs.push(dataDir);
    const file = path.join(dataDir, 'bulwark.yaml');
    writeFileSync(file, 'http:\n  prot: 8080\nrules:\n  default_pack: maybe\n  lateness: soon\n');
    const failure = await run(process.execPath, [CLI, 'start'], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        BULWARK_CONFIG: file,
        BULWARK_HTTP_PORT: 'eighty',
        BULWARK_API_KEYS: 'short:ingest,long-enough-key-0123456789:superuser',
      },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toMatch(/http: Unrecognized key: "prot"/);
    expect(stderr).toMatch(/BULWARK_HTTP_PORT \(http\.port\)/);
    expect(stderr).toMatch(/rules\.default_pack/);
    expect(stderr).toMatch(/rules\.lateness/);
    expect(stderr).toMatch(/BULWARK_API_KEYS\[0\]: the key is shorter/);
    expect(stderr).toMatch(/BULWARK_API_KEYS\[1\]: unknown scope/);
    expect(stderr).not.toContain('superuser');
    expect(stderr).not.toContain('long-enough-key');
  });

  it('stops cleanly on SIGINT and closes the database', async () => {
    const dataDir = tempDir('sigint');
    dirs.push(dataDir);
    const service = await startService(dataDir);
    service.child.kill('SIGINT');
    expect(await service.exited).toBe(0);
    expect(service.stdout.some((line) => line.includes('bulwark standalone stopped'))).toBe(true);
  });

  it('prints usage for help and rejects unknown commands', async () => {
    const help = await run(process.execPath, [CLI, 'help']);
    expect(help.stdout).toMatch(/replay FILE/);
    const unknown = await new Promise<number | null>((resolve) => {
      spawn(process.execPath, [CLI, 'frobnicate'], { stdio: 'ignore' }).on('exit', resolve);
    });
    expect(unknown).toBe(2);
  });
});
