import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Classifier, parseSyslog, UTC } from '@bulwark/parsers';
import type { RawLog } from '@bulwark/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, requireTool, run, startCollector, tempDir } from './helpers.js';

// util-linux `logger`, a real syslog client, talking to the listeners over UDP and TCP.

let logger: string;
let collector: Collector;
const dir = tempDir('logger');

beforeAll(async () => {
  logger = requireTool('logger', 'bsdutils');
  collector = await startCollector({ flushMs: 2 });
});

afterAll(async () => {
  await collector?.listeners.close();
  dir.remove();
});

const HOST = hostname();
let nextOctet = 1;

/** A distinct sshd failure per case, so each case finds its own message. */
function sshdFailure(): { text: string; ip: string } {
  const n = nextOctet++;
  const ip = `198.51.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  return { text: `Failed password for invalid user admin from ${ip} port 40022 ssh2`, ip };
}

function sendArgs(transport: 'udp' | 'tcp', format: 'rfc3164' | 'rfc5424', octets: boolean): string[] {
  const port = String(collector.listeners.ports[transport]);
  return [
    '-n',
    '127.0.0.1',
    '-P',
    port,
    `--${transport}`,
    `--${format}`,
    ...(octets ? ['--octet-count'] : []),
    '-t',
    'sshd',
    '--id=4242',
    '-p',
    'authpriv.notice',
  ];
}

function expectSshdFailure(raw: RawLog, ip: string, before: number, after: number): void {
  expect(raw.transport).toBe('syslog');
  expect(raw.peer).toBe('127.0.0.1');
  const envelope = parseSyslog(raw.line, { referenceMs: Date.parse(raw.received_at), zone: UTC });
  expect(envelope).toBeDefined();
  expect(envelope?.host).toBe(HOST);
  expect(envelope?.program).toBe('sshd');
  expect(envelope?.pid).toBe(4242);
  expect(envelope?.facility).toBe(10);
  expect(envelope?.severity).toBe(5);
  expect(envelope?.message).toBe(`Failed password for invalid user admin from ${ip} port 40022 ssh2`);
  // RFC 3164 has whole seconds only.
  expect(envelope?.timeMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  expect(envelope?.timeMs).toBeLessThanOrEqual(after);

  const event = new Classifier({ timezone: 'UTC' }).classify({ ...raw, id: 'test' });
  expect(event['event.dataset']).toBe('sshd');
  expect(event['bulwark.category']).toBe('failed_login');
  expect(event['source.ip']).toBe(ip);
  expect(event['user.name']).toBe('admin');
  expect(event['host.name']).toBe(HOST);
  expect(event['process.name']).toBe('sshd');
  expect(Date.parse(event['@timestamp'])).toBe(envelope?.timeMs);
  expect(event.message).toBe(raw.line);
}

const cases: Array<{ transport: 'udp' | 'tcp'; format: 'rfc3164' | 'rfc5424'; octets: boolean }> = [
  { transport: 'udp', format: 'rfc3164', octets: false },
  { transport: 'udp', format: 'rfc5424', octets: false },
  { transport: 'tcp', format: 'rfc3164', octets: false },
  { transport: 'tcp', format: 'rfc5424', octets: false },
  { transport: 'tcp', format: 'rfc3164', octets: true },
  { transport: 'tcp', format: 'rfc5424', octets: true },
];

describe('syslog listeners with util-linux logger', () => {
  for (const { transport, format, octets } of cases) {
    it(`receives --${transport} --${format}${octets ? ' --octet-count' : ''}`, async () => {
      const { text, ip } = sshdFailure();
      const before = Date.now();
      await run(logger, [...sendArgs(transport, format, octets), text], { TZ: 'UTC' });
      await collector.waitFor((all) => all.some((raw) => raw.line.includes(`from ${ip} `)));
      const after = Date.now();
      const mine = collector.received.filter((raw) => raw.line.includes(`from ${ip} `));
      expect(mine).toHaveLength(1);
      expectSshdFailure(mine[0] as RawLog, ip, before, after);
      if (format === 'rfc5424') expect(mine[0]?.line).toContain('[timeQuality tzKnown="1"');
    });
  }

  for (const octets of [false, true]) {
    it(`receives a file of lines over one TCP connection, in order${octets ? ', octet-counted' : ''}`, async () => {
      const messages = Array.from({ length: 300 }, () => sshdFailure());
      const file = join(dir.path, `lines-${octets}.txt`);
      writeFileSync(file, `${messages.map((m) => m.text).join('\n')}\n`);
      const before = Date.now();
      const opened = collector.listeners.metrics().tcp.connections_opened;
      await run(logger, [...sendArgs('tcp', 'rfc5424', octets), '-f', file], { TZ: 'UTC' });
      const ips = new Set(messages.map((m) => m.ip));
      const isMine = (raw: RawLog) => ips.has(/from (\S+) port/.exec(raw.line)?.[1] ?? '');
      await collector.waitFor((all) => all.filter(isMine).length >= messages.length);
      const after = Date.now();
      const mine = collector.received.filter(isMine);
      expect(mine.map((raw) => /from (\S+) port/.exec(raw.line)?.[1])).toEqual(messages.map((m) => m.ip));
      for (const [i, raw] of mine.entries()) expectSshdFailure(raw, messages[i]?.ip ?? '', before, after);
      expect(collector.listeners.metrics().tcp.connections_opened).toBe(opened + 1);
    });
  }

  it('counts what it received and committed', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const metrics = collector.listeners.metrics();
    expect(metrics.udp.received_messages).toBe(2);
    expect(metrics.udp.accepted_messages).toBe(2);
    expect(metrics.tcp.received_messages).toBe(604);
    expect(metrics.tcp.accepted_messages).toBe(604);
    expect(metrics.tcp.framing_errors).toBe(0);
    expect(metrics.commit.failures).toBe(0);
    expect(collector.received).toHaveLength(606);
  });
});
