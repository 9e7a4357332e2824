import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@bulwark/config';
import { afterEach, describe, expect, it } from 'vitest';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md');

/** The bulwark.yaml example under the README's "Configuration" heading. */
function readmeExample(): string {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Configuration'));
  const match = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('no yaml example under "## Configuration" in README.md');
  return match[1] as string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the README', () => {
  it('shows a bulwark.yaml that loads as it is', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'bulwark-readme-'));
    dirs.push(cwd);
    writeFileSync(path.join(cwd, 'bulwark.yaml'), readmeExample());
    const config = loadConfig({}, cwd);
    expect(config.rules.snapshot_every).toBe(30_000);
    expect(config.rules.update_every).toBe(60_000);
    expect(config.rules.allow.cidrs).toEqual(['10.0.0.0/8']);
    expect(config.http.body_limit).toBe(10 * 1_048_576);
  });
});
