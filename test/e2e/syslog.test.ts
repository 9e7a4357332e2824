import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SecurityEvent } from '@bulwark/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  eventually,
  getJson,
  KEYS,
  type RunningProcess,
  removeDir,
  startService,
  stopService,
  tempDir,
} from '../support/service.js';

const run = promisify(execFile);

async function logger(args: string[]): Promise<void> {
  try {
    await run('logger', args);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('util-linux logger is missing: apt-get install bsdutils');
    }
    throw error;
  }
}

describe('standalone service over syslog', () => {
  let dataDir: string;
  let service: RunningProcess;

  beforeAll(async () => {
    dataDir = tempDir('syslog');
    service = await startService(dataDir);
  });
  afterAll(async () => {
    await stopService(service);
    removeDir(dataDir);
  });

  it('takes sshd lines from logger over TCP and UDP, classifies and stores them', async () => {
    const port = String(service.syslog.tcp);
    expect(service.syslog.udp).toBe(service.syslog.tcp);
    const message = (n: number) => `Failed password for root from 203.0.113.${n} port 4000${n} ssh2`;
    await logger([
      '--tcp',
      '-n',
      '127.0.0.1',
      '-P',
      port,
      '--rfc3164',
      '-t',
      'sshd',
      '--id=4242',
      message(1),
    ]);
    await logger([
      '--tcp',
      '-n',
      '127.0.0.1',
      '-P',
      port,
      '--octet-count',
      '--rfc5424',
      '-t',
      'sshd',
      message(2),
    ]);
    await logger(['--udp', '-n', '127.0.0.1', '-P', port, '--rfc5424', '-t', 'sshd', message(3)]);

    for (const n of [1, 2, 3]) {
      const [event] = await eventually(async () => {
        const page = await getJson<{ items: SecurityEvent[] }>(service.url, `/v1/events?ip=203.0.113.${n}`);
        return page.items.length > 0 ? page.items : undefined;
      });
      expect(event).toMatchObject({
        'event.dataset': 'sshd',
        'bulwark.category': 'failed_login',
        'user.name': 'root',
        'source.ip': `203.0.113.${n}`,
        'process.name': 'sshd',
      });
      // logger stamps the message with the current time: the event carries it, not a guess.
      expect(Math.abs(Date.parse(event?.['@timestamp'] ?? '') - Date.now())).toBeLessThan(120_000);
    }
  });

  it('reports what syslog received on /metrics', async () => {
    const response = await fetch(`${service.url}/metrics`, { headers: bearer(KEYS.read) });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^bulwark_syslog_accepted_messages_total\{stage="ingest",transport="tcp"\} [1-9]/m);
    expect(text).toMatch(
      /^bulwark_classified_events_total\{[^}]*transport="syslog"[^}]*category="failed_login"\} [1-9]/m,
    );
    expect(text).toMatch(/^bulwark_rules_evaluated_events_total\{stage="rules"\} \d+/m);
    expect((await fetch(`${service.url}/metrics`)).status).toBe(401);
  });
});
