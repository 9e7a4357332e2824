import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, hashApiKey, loadConfig } from '@bulwark/config';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
function dir(): string {
  const created = mkdtempSync(path.join(tmpdir(), 'bulwark-config-'));
  dirs.push(created);
  return created;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function problemsOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives documented defaults with no file and no environment', () => {
    const cwd = dir();
    const config = loadConfig({}, cwd);
    expect(config.file).toBeNull();
    expect(config.data_dir).toBe(path.join(cwd, 'data'));
    expect(config.http.port).toBe(8080);
    expect(config.syslog.port).toBe(5514);
    expect(config.http.body_limit).toBe(10 * 1_048_576);
    expect(config.rules).toEqual({
      files: [],
      default_pack: true,
      lateness: 3_600_000,
      allow: { cidrs: [], users: [] },
      snapshot_every: 30_000,
      update_every: 60_000,
    });
    expect(config.keys).toEqual([]);
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it('reads bulwark.yaml from the working directory, then applies environment overrides', () => {
    const cwd = dir();
    writeFileSync(
      path.join(cwd, 'bulwark.yaml'),
      'http:\n  port: 9000\n  body_limit: 1MiB\nrules:\n  lateness: 5m\n',
    );
    const config = loadConfig({ BULWARK_HTTP_PORT: '9100', BULWARK_DATA_DIR: '/var/lib/bulwark' }, cwd);
    expect(config.file).toBe(path.join(cwd, 'bulwark.yaml'));
    expect(config.http.port).toBe(9100);
    expect(config.http.body_limit).toBe(1_048_576);
    expect(config.rules.lateness).toBe(300_000);
    expect(config.data_dir).toBe('/var/lib/bulwark');
  });

  it('reads the file named by BULWARK_CONFIG and reports a missing one', () => {
    const cwd = dir();
    const file = path.join(cwd, 'custom.yaml');
    writeFileSync(file, 'syslog:\n  port: 1514\n');
    expect(loadConfig({ BULWARK_CONFIG: file, BULWARK_SYSLOG_PORT: '' }, cwd).syslog.port).toBe(1514);
    expect(loadConfig({ BULWARK_CONFIG: file, BULWARK_SYSLOG_PORT: '2514' }, cwd).syslog.port).toBe(2514);
    expect(problemsOf(() => loadConfig({ BULWARK_CONFIG: 'missing.yaml' }, cwd))).toEqual([
      { path: 'BULWARK_CONFIG', message: expect.stringContaining('no such file') },
    ]);
  });

  it('lists every problem at once, each with its path or variable', () => {
    const cwd = dir();
    writeFileSync(
      path.join(cwd, 'bulwark.yaml'),
      'htp: {}\nhttp:\n  body_limit: lots\nlog:\n  level: loud\n',
    );
    const problems = problemsOf(() =>
      loadConfig(
        { BULWARK_HTTP_PORT: '70000', BULWARK_API_KEYS: 'tiny:read,another-long-key-1234:root' },
        cwd,
      ),
    );
    const paths = problems.map((p) => p.path).sort();
    expect(paths).toEqual(
      [
        '(root)',
        'BULWARK_API_KEYS[0]',
        'BULWARK_API_KEYS[1]',
        'BULWARK_HTTP_PORT (http.port)',
        'http.body_limit',
        'log.level',
      ].sort(),
    );
    expect(JSON.stringify(problems)).not.toContain('another-long-key');
  });

  it('reports YAML syntax errors with their line', () => {
    const cwd = dir();
    writeFileSync(path.join(cwd, 'bulwark.yaml'), 'http:\n  port: [8080\n');
    const problems = problemsOf(() => loadConfig({}, cwd));
    expect(problems[0]?.path).toMatch(/bulwark\.yaml:\d+$/);
  });

  it('keeps only hashes of API keys from the environment', () => {
    const key = 'a-secret-key-of-some-length';
    const config = loadConfig({ BULWARK_API_KEYS: `${key}:ingest+read` }, dir());
    expect(config.keys).toEqual([{ sha256: hashApiKey(key), scopes: ['ingest', 'read'] }]);
    expect(JSON.stringify(config)).not.toContain(key);
  });

  it('refuses plaintext secrets in the file', () => {
    const cwd = dir();
    writeFileSync(
      path.join(cwd, 'bulwark.yaml'),
      'api_keys:\n  - key: plaintext-in-a-file\n    scopes: [admin]\n',
    );
    const problems = problemsOf(() => loadConfig({}, cwd));
    expect(problems.map((p) => p.path)).toContain('api_keys.0');
  });
});
