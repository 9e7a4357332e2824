import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { RawLog } from '@bulwark/schemas';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SenderAllowlist,
  type SyslogListeners,
  startSyslogListeners,
  syslogMetricSamples,
} from '../../src/syslog/index.js';
import { makePki, memoryLog, startCollector, type TestPki, tempDir, waitUntil } from './helpers.js';

// Batching, back-pressure, retries, shutdown, TLS client authentication and metrics, with Node's own
// sockets as clients.

const msg = (n: number) => `<13>1 2024-05-01T10:00:00Z h app - - - message ${n}`;
const octet = (text: string) => `${Buffer.byteLength(text)} ${text}`;

const open: SyslogListeners[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const listeners of open.splice(0)) await listeners.close();
});

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.on('error', reject);
    sockets.push(socket);
  });
}

function write(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}

describe('SenderAllowlist', () => {
  it('matches IPv4 and IPv6 networks and normalises IPv4-mapped addresses', () => {
    const list = new SenderAllowlist(['10.0.0.0/8', '192.0.2.7', '2001:DB8::/32', '::ffff:172.16.0.0/108']);
    expect(list.allows('10.200.3.4')).toBe(true);
    expect(list.allows('::ffff:10.200.3.4')).toBe(true);
    expect(list.allows('192.0.2.7')).toBe(true);
    expect(list.allows('192.0.2.8')).toBe(false);
    expect(list.allows('2001:db8:1::5')).toBe(true);
    expect(list.allows('2001:0DB8:0:0::5')).toBe(true);
    expect(list.allows('2001:db9::5')).toBe(false);
    expect(list.allows('172.16.9.9')).toBe(true);
    expect(list.allows('172.32.0.1')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
    expect(new SenderAllowlist([]).allows(undefined)).toBe(true);
  });
});

describe('startSyslogListeners', () => {
  it('binds UDP and TCP to the same free port, and defaults to no TLS', async () => {
    const c = await startCollector();
    open.push(c.listeners);
    expect(c.listeners.ports.tcp).toBeGreaterThan(0);
    expect(c.listeners.ports.udp).toBe(c.listeners.ports.tcp);
    expect(c.listeners.ports.tls).toBeUndefined();
  });

  it('commits in batches of at most batchSize, in arrival order, with one received_at per chunk', async () => {
    const c = await startCollector({ batchSize: 100, flushMs: 2 });
    open.push(c.listeners);
    const socket = await connectTo(c.listeners.ports.tcp as number);
    const n = 5000;
    await write(socket, Array.from({ length: n }, (_, i) => octet(msg(i))).join(''));
    await c.waitFor((all) => all.length >= n);
    expect(c.lines()).toEqual(Array.from({ length: n }, (_, i) => msg(i)));
    expect(Math.max(...c.batches)).toBeLessThanOrEqual(100);
    expect(c.batches.reduce((a, b) => a + b, 0)).toBe(n);
    for (const raw of c.received) {
      expect(raw.transport).toBe('syslog');
      expect(Number.isNaN(Date.parse(raw.received_at))).toBe(false);
    }
  });

  it('holds a connection while its batch is being committed (bounded memory), then resumes', async () => {
    const gates: Array<() => void> = [];
    const received: RawLog[] = [];
    let inFlight = 0;
    let maxQueued = 0;
    const listeners: SyslogListeners = await startSyslogListeners({
      host: '127.0.0.1',
      port: 0,
      udp: false,
      log: memoryLog(),
      batchSize: 500,
      maxQueuedMessages: 1000,
      accept: (raws) => {
        inFlight += 1;
        maxQueued = Math.max(maxQueued, listeners.metrics().commit.queued_messages);
        return new Promise<void>((resolve) =>
          gates.push(() => {
            received.push(...raws);
            inFlight -= 1;
            resolve();
          }),
        );
      },
    });
    open.push(listeners);
    const socket = await connectTo(listeners.ports.tcp as number);
    const n = 50_000;
    const payload = Buffer.from(Array.from({ length: n }, (_, i) => `${msg(i)}\n`).join(''));
    let written = false;
    socket.write(payload, () => {
      written = true;
    });
    // Nothing is committed until we open the gate: reading stops well short of the whole payload.
    await waitUntil(() => gates.length > 0, 5000, 'the first commit');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stalled = listeners.metrics();
    expect(stalled.tcp.received_messages).toBeLessThan(n);
    expect(stalled.commit.queued_messages).toBeLessThanOrEqual(500 + 1000 + 2000);
    expect(inFlight).toBe(1);
    // Open the gates one at a time until everything is in.
    while (received.length < n) {
      const gate = gates.shift();
      if (gate) gate();
      else await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(received.map((raw) => raw.line)).toEqual(Array.from({ length: n }, (_, i) => msg(i)));
    await waitUntil(() => written, 5000, 'the writer to finish');
    expect(maxQueued).toBeLessThanOrEqual(500 + 1000 + 2000);
  });

  it('retries a failed commit with backoff, never dropping or duplicating', async () => {
    let calls = 0;
    const received: RawLog[] = [];
    const log = memoryLog();
    const listeners = await startSyslogListeners({
      host: '127.0.0.1',
      port: 0,
      log,
      retryInitialMs: 10,
      retryMaxMs: 40,
      accept: async (raws) => {
        calls += 1;
        if (calls <= 4) throw new Error('store is down');
        received.push(...raws);
      },
    });
    open.push(listeners);
    const socket = await connectTo(listeners.ports.tcp as number);
    await write(socket, Array.from({ length: 20 }, (_, i) => `${msg(i)}\n`).join(''));
    await waitUntil(() => received.length >= 20, 5000, 'the retried batch');
    expect(received.map((raw) => raw.line)).toEqual(Array.from({ length: 20 }, (_, i) => msg(i)));
    const metrics = listeners.metrics();
    expect(metrics.commit.failures).toBe(4);
    expect(metrics.tcp.accepted_messages).toBe(20);
    expect(log.records.filter((r) => r.message.includes('commit failed')).length).toBeGreaterThanOrEqual(1);
  });

  it('hands over several batches at once and, when one fails, commits it and those behind it in order', async () => {
    // A store that commits calls one by one in call order, and refuses calls made before it told
    // of a failure (as SqliteWorkerStore does).
    const received: RawLog[] = [];
    let chain: Promise<unknown> = Promise.resolve();
    let failures = 0;
    let known = 0;
    let calls = 0;
    let running = 0;
    let mostRunning = 0;
    const listeners = await startSyslogListeners({
      host: '127.0.0.1',
      port: 0,
      log: memoryLog(),
      batchSize: 10,
      maxInFlightBatches: 4,
      retryInitialMs: 5,
      accept: (raws) => {
        calls += 1;
        const call = calls;
        const seen = known;
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        const done = chain.then(async () => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          running -= 1;
          if (call === 3) {
            failures += 1;
            throw new Error('disk full');
          }
          if (seen < failures) throw new Error('refused: an earlier batch failed');
          received.push(...raws);
        });
        chain = done.catch(() => {
          known = failures;
        });
        return done;
      },
    });
    open.push(listeners);
    const socket = await connectTo(listeners.ports.tcp as number);
    const n = 200;
    await write(socket, Array.from({ length: n }, (_, i) => `${msg(i)}\n`).join(''));
    await waitUntil(() => received.length >= n, 5000, 'every batch committed');
    expect(received.map((raw) => raw.line)).toEqual(Array.from({ length: n }, (_, i) => msg(i)));
    expect(mostRunning).toBeGreaterThan(1);
    expect(listeners.metrics().tcp.accepted_messages).toBe(n);
    expect(listeners.metrics().commit.failures).toBeGreaterThanOrEqual(1);
  });

  it('close() stops listening, commits what was received, then resolves', async () => {
    const c = await startCollector({ flushMs: 60_000 });
    const port = c.listeners.ports.tcp as number;
    const socket = await connectTo(port);
    await write(socket, `${msg(1)}\n${octet(msg(2))}`);
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) =>
      udp.send(msg(3), c.listeners.ports.udp as number, '127.0.0.1', () => resolve()),
    );
    udp.close();
    await waitUntil(
      () =>
        c.listeners.metrics().tcp.received_messages === 2 &&
        c.listeners.metrics().udp.received_messages === 1,
      5000,
      'the messages to be read',
    );
    expect(c.received).toHaveLength(0);
    await c.listeners.close();
    expect(c.lines().sort()).toEqual([msg(1), msg(2), msg(3)].sort());
    await expect(connectTo(port)).rejects.toThrow(/ECONNREFUSED/);
    const metrics = c.listeners.metrics();
    expect(metrics.tcp.connections_closed.shutdown).toBe(1);
    expect(metrics.tcp.accepted_messages).toBe(2);
    expect(metrics.udp.accepted_messages).toBe(1);
    // Calling it again is harmless.
    await c.listeners.close();
  });

  it('close() during back-pressure commits everything read, in order, with nothing lost in between', async () => {
    const gates: Array<() => void> = [];
    const received: RawLog[] = [];
    const listeners = await startSyslogListeners({
      host: '127.0.0.1',
      port: 0,
      udp: false,
      log: memoryLog(),
      batchSize: 200,
      maxQueuedMessages: 400,
      accept: (raws) =>
        new Promise<void>((resolve) =>
          gates.push(() => {
            received.push(...raws);
            resolve();
          }),
        ),
    });
    const socket = await connectTo(listeners.ports.tcp as number);
    socket.on('error', () => {});
    const n = 20_000;
    socket.write(Array.from({ length: n }, (_, i) => octet(msg(i))).join(''));
    await waitUntil(() => gates.length > 0, 5000, 'the first commit');
    const closing = listeners.close();
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    while (!closed) {
      const gate = gates.shift();
      if (gate) gate();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const metrics = listeners.metrics().tcp;
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(n);
    expect(received.map((raw) => raw.line)).toEqual(
      Array.from({ length: received.length }, (_, i) => msg(i)),
    );
    expect(metrics.accepted_messages).toBe(received.length);
    expect(metrics.received_messages).toBe(received.length + metrics.dropped_messages.incomplete);
    expect(metrics.dropped_messages.shutdown).toBe(0);
    expect(metrics.connections_closed.shutdown).toBe(1);
  });

  it('close() gives up after drainTimeoutMs when accept never succeeds, counting the loss', async () => {
    const listeners = await startSyslogListeners({
      host: '127.0.0.1',
      port: 0,
      log: memoryLog(),
      drainTimeoutMs: 200,
      retryInitialMs: 20,
      accept: async () => {
        throw new Error('down for good');
      },
    });
    const socket = await connectTo(listeners.ports.tcp as number);
    await write(socket, `${msg(1)}\n${msg(2)}\n`);
    await waitUntil(() => listeners.metrics().commit.failures > 0, 5000, 'a failed commit');
    await listeners.close();
    const metrics = listeners.metrics().tcp;
    expect(metrics.dropped_messages.shutdown).toBe(2);
    expect(metrics.received_messages).toBe(metrics.accepted_messages + metrics.dropped_messages.shutdown);
  });

  it('exposes counters as bulwark_syslog_* samples with stage and transport labels', async () => {
    const c = await startCollector();
    open.push(c.listeners);
    const socket = await connectTo(c.listeners.ports.tcp as number);
    await write(socket, `${msg(1)}\n`);
    await c.waitFor((all) => all.length === 1);
    const samples = c.listeners.metricSamples();
    for (const sample of samples) {
      expect(sample.name).toMatch(/^bulwark_syslog_[a-z_]+$/);
      if (sample.type === 'counter') expect(sample.name).toMatch(/_total$/);
      expect(sample.labels.stage).toBe('ingest');
    }
    const accepted = samples.find(
      (s) => s.name === 'bulwark_syslog_accepted_messages_total' && s.labels.transport === 'tcp',
    );
    expect(accepted?.value).toBe(1);
    expect(syslogMetricSamples(c.listeners.metrics())).toEqual(samples);
  });
});

describe('TLS listener', () => {
  let pki: TestPki;
  const dir = tempDir('tls');
  beforeAll(() => {
    pki = makePki(dir.path);
  });
  afterAll(() => dir.remove());

  function tlsSend(port: number, text: string, client?: { cert: string; key: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect(
        {
          port,
          host: '127.0.0.1',
          servername: pki.serverName,
          ca: readFileSync(pki.ca),
          ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
        },
        () => socket.end(text),
      );
      socket.on('error', reject);
      socket.on('close', () => resolve());
      socket.resume();
    });
  }

  it('takes PEM files or buffers, and requires a trusted client certificate when told to', async () => {
    const c = await startCollector({
      tcp: false,
      udp: false,
      tls: {
        port: 0,
        cert: readFileSync(pki.serverCert),
        key: pki.serverKey,
        ca: pki.ca,
        clientAuth: 'required',
      },
    });
    open.push(c.listeners);
    const port = c.listeners.ports.tls as number;
    expect(c.listeners.ports.tcp).toBeUndefined();
    await tlsSend(port, `${octet(msg(1))}${octet(msg(2))}`, { cert: pki.clientCert, key: pki.clientKey });
    await c.waitFor((all) => all.length === 2);
    expect(c.lines()).toEqual([msg(1), msg(2)]);
    // No certificate, or one from a CA the server does not trust: refused, nothing delivered.
    await tlsSend(port, `${msg(3)}\n`).catch(() => {});
    await tlsSend(port, `${msg(4)}\n`, { cert: pki.rogueCert, key: pki.rogueKey }).catch(() => {});
    const listeners = c.listeners;
    await waitUntil(() => listeners.metrics().tls.connections_refused.tls === 2, 5000, 'two refusals');
    expect(c.lines()).toEqual([msg(1), msg(2)]);
    expect(listeners.metrics().tls.connections_opened).toBe(1);
  });

  it('refuses to start with clientAuth but no CA, or with a bad certificate', async () => {
    await expect(
      startCollector({ tls: { port: 0, cert: pki.serverCert, key: pki.serverKey, clientAuth: 'required' } }),
    ).rejects.toThrow(/needs a CA/);
    await expect(
      startCollector({ tls: { port: 0, cert: pki.clientKey, key: pki.serverKey } }),
    ).rejects.toThrow();
  });
});
