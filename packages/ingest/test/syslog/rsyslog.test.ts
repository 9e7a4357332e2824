import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Classifier } from '@bulwark/parsers';
import type { RawLog } from '@bulwark/schemas';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SyslogTlsOptions } from '../../src/syslog/index.js';
import {
  type Collector,
  makePki,
  type Rsyslog,
  requireRsyslogGnutls,
  requireTool,
  startCollector,
  startRsyslog,
  type TestPki,
  tempDir,
  waitUntil,
} from './helpers.js';

// Debian's rsyslog (and rsyslog-gnutls for TLS), started with its own config on loopback ports,
// reads a file of sshd lines with imfile and forwards it to the listeners with omfwd.

const HOST = 'web-01';
const PID = 4242;

interface Line {
  text: string;
  ip: string;
  category: 'failed_login' | 'successful_login';
  user: string;
}

function authLines(count: number): Line[] {
  return Array.from({ length: count }, (_, i) => {
    const ip = `203.0.113.${(i % 250) + 1}`;
    return i % 5 === 4
      ? {
          text: `Accepted password for deploy from ${ip} port ${50000 + i} ssh2`,
          ip,
          category: 'successful_login',
          user: 'deploy',
        }
      : {
          text: `Failed password for invalid user admin${i} from ${ip} port ${40000 + i} ssh2`,
          ip,
          category: 'failed_login',
          user: `admin${i}`,
        };
  });
}

interface Scenario {
  name: string;
  /** Extra omfwd parameters. */
  action: string;
  /** Extra `global()` parameters (TLS material of rsyslog's side). */
  global?: (pki: TestPki) => string;
  tls?: (pki: TestPki) => SyslogTlsOptions;
  /** What the forwarded lines look like up to the message (the template's shape). */
  shape: RegExp;
}

const RFC5424 = /^<86>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00 web-01 sshd 4242 - - /;
const RFC3164 = /^<86>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d web-01 sshd\[4242\]: /;
const RFC3339_3164 = /^<86>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00 web-01 sshd\[4242\]: /;

let pki: TestPki;
const pkiDir = tempDir('pki');
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  requireTool('rsyslogd', 'rsyslog');
  requireRsyslogGnutls();
  pki = makePki(pkiDir.path);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => pkiDir.remove());

async function forward(
  scenario: Scenario,
  lines: readonly Line[],
): Promise<{ collector: Collector; rsyslog: Rsyslog }> {
  const dir = tempDir('rsyslog');
  cleanups.push(() => dir.remove());
  const collector = await startCollector({
    tcp: scenario.tls === undefined,
    udp: false,
    ...(scenario.tls ? { tls: { port: 0, ...scenario.tls(pki) } } : {}),
  });
  cleanups.push(() => collector.listeners.close());
  const port = scenario.tls ? collector.listeners.ports.tls : collector.listeners.ports.tcp;
  const file = join(dir.path, 'auth.log');
  writeFileSync(file, `${lines.map((line) => line.text).join('\n')}\n`);
  const config = `
global(
  workDirectory="${dir.path}"
  localHostname="${HOST}"
  ${scenario.global?.(pki) ?? ''}
)
module(load="imfile")
input(type="imfile" File="${file}" Tag="sshd[${PID}]:" Facility="authpriv" Severity="info"
      freshStartTail="off" ruleset="forward")
ruleset(name="forward") {
  action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" ${scenario.action}
         action.resumeRetryCount="-1" action.resumeInterval="1")
}
`;
  const rsyslog = await startRsyslog(dir.path, config);
  cleanups.push(() => rsyslog.stop());
  return { collector, rsyslog };
}

function expectForwarded(
  received: readonly RawLog[],
  lines: readonly Line[],
  scenario: Scenario,
  before: number,
) {
  const after = Date.now();
  expect(received).toHaveLength(lines.length);
  const classifier = new Classifier({ timezone: 'UTC' });
  for (const [i, raw] of received.entries()) {
    const line = lines[i] as Line;
    expect(raw.transport).toBe('syslog');
    expect(raw.peer).toBe('127.0.0.1');
    const event = classifier.classify({ ...raw, id: String(i) });
    expect(event['event.dataset']).toBe('sshd');
    expect(event['bulwark.category']).toBe(line.category);
    expect(event['source.ip']).toBe(line.ip);
    expect(event['user.name']).toBe(line.user);
    expect(event['host.name']).toBe(HOST);
    expect(event['process.name']).toBe('sshd');
    expect(event['process.pid']).toBe(PID);
    expect(raw.line.endsWith(line.text)).toBe(true);
    const at = Date.parse(event['@timestamp']);
    // RFC 3164 times have whole seconds.
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(after);
    expect(raw.line).toMatch(scenario.shape);
  }
}

const scenarios: Scenario[] = [
  {
    name: 'plain TCP, octet-counted, RFC 5424',
    action: 'TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"',
    shape: RFC5424,
  },
  {
    name: 'plain TCP, traditional newline framing, RFC 3164',
    action: 'TCP_Framing="traditional" template="RSYSLOG_TraditionalForwardFormat"',
    shape: RFC3164,
  },
  {
    name: 'TLS (gtls), server certificate checked by name, octet-counted',
    action:
      'StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="bulwark.test" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"',
    global: (p) => `DefaultNetstreamDriverCAFile="${p.ca}"`,
    tls: (p) => ({ cert: p.serverCert, key: p.serverKey }),
    shape: RFC5424,
  },
  {
    name: 'TLS with a client certificate (mutual authentication), traditional framing',
    action:
      'StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="bulwark.test" template="RSYSLOG_ForwardFormat"',
    global: (p) =>
      `DefaultNetstreamDriverCAFile="${p.ca}" DefaultNetstreamDriverCertFile="${p.clientCert}" DefaultNetstreamDriverKeyFile="${p.clientKey}"`,
    tls: (p) => ({ cert: p.serverCert, key: p.serverKey, ca: p.ca, clientAuth: 'required' }),
    shape: RFC3339_3164,
  },
];

describe('syslog listeners with rsyslog forwarding a file of sshd lines', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const lines = authLines(200);
      const before = Date.now();
      const { collector, rsyslog } = await forward(scenario, lines);
      await collector
        .waitFor((all) => all.length >= lines.length, 20_000, `${lines.length} forwarded lines`)
        .catch((error: Error) => {
          throw new Error(`${error.message}\nrsyslogd said: ${rsyslog.output()}`);
        });
      expectForwarded(collector.received, lines, scenario, before);
      const transport = scenario.tls ? 'tls' : 'tcp';
      const metrics = collector.listeners.metrics()[transport];
      expect(metrics.received_messages).toBe(lines.length);
      expect(metrics.framing_errors).toBe(0);
      expect(metrics.connections_open).toBe(1);
    });
  }

  it('refuses rsyslog over TLS without a client certificate when one is required', async () => {
    const scenario: Scenario = {
      name: 'TLS without a client certificate',
      action:
        'StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="bulwark.test"',
      global: (p) => `DefaultNetstreamDriverCAFile="${p.ca}"`,
      tls: (p) => ({ cert: p.serverCert, key: p.serverKey, ca: p.ca, clientAuth: 'required' }),
      shape: RFC3164,
    };
    const { collector } = await forward(scenario, authLines(5));
    await waitUntil(
      () => collector.listeners.metrics().tls.connections_refused.tls >= 1,
      20_000,
      'a refused TLS handshake',
    );
    expect(collector.received).toHaveLength(0);
    expect(collector.listeners.metrics().tls.connections_opened).toBe(0);
    expect(collector.log.records.some((r) => r.message === 'syslog TLS handshake failed')).toBe(true);
  });
});
