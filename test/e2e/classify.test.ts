import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { CLI, FIXTURES } from '../support/service.js';

const run = promisify(execFile);
const SAMPLE = path.join(FIXTURES, 'scenarios-sample');

interface Truth {
  quiet: { key: Record<string, string>; why: string }[];
  lines: Record<string, number>;
}

describe('bulwark classify', () => {
  it('classifies the sample corpus: every line kept, no benign search taken for an attack', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      [
        CLI,
        'classify',
        '--stats',
        '--reference-time',
        '2026-11-23T00:00:00Z',
        path.join(SAMPLE, 'all.lines'),
      ],
      { maxBuffer: 256 << 20 },
    );
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SecurityEvent);
    const truth = JSON.parse(readFileSync(path.join(SAMPLE, 'truth.json'), 'utf8')) as Truth;
    const lines = Object.values(truth.lines).reduce((sum, n) => sum + n, 0);
    expect(events).toHaveLength(lines);

    const customers = new Set(
      truth.quiet.filter((q) => /customer|health checker/.test(q.why)).map((q) => q.key['source.ip']),
    );
    expect(customers.size).toBeGreaterThan(10);
    const flagged = events.filter(
      (event) => customers.has(event['source.ip']) && event['bulwark.category'] === 'malicious_traffic',
    );
    expect(flagged.map((event) => event.message)).toEqual([]);

    const datasets = new Set(events.map((event) => event['event.dataset']));
    for (const dataset of ['sshd', 'vsftpd', 'proftpd', 'pure-ftpd', 'nginx.access', 'app']) {
      expect(datasets).toContain(dataset);
    }
    expect(events.some((event) => event['bulwark.threat']?.includes('sqli'))).toBe(true);
    // The counts go to standard error, one row per dataset and category, and a total.
    expect(stderr).toMatch(/^sshd\s+failed_login\s+\d+$/m);
    expect(stderr).toMatch(new RegExp(`^total\\s+${lines}$`, 'm'));
  });

  it('reads standard input and takes a format hint', async () => {
    const child = execFile(process.execPath, [CLI, 'classify', '--source', 'apache.access']);
    const output = new Promise<string>((resolve) => {
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on('close', () => resolve(text));
    });
    child.stdin?.end('192.0.2.1 - - [21/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 0 "-" "curl/8"\n');
    const event = JSON.parse((await output).trim()) as SecurityEvent;
    expect(event).toMatchObject({
      'event.dataset': 'apache.access',
      'bulwark.category': 'malicious_traffic',
      'source.ip': '192.0.2.1',
    });
    expect(event['bulwark.threat']).toContain('sensitive_resource');
  });
});
