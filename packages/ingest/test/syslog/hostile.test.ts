import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Collector, startCollector, waitUntil } from './helpers.js';

// Hostile and broken senders. After each, a well-behaved client must still get through.

const GOOD = (n: number) => `<34>1 2024-05-01T10:00:00Z good-host sshd 77 - - well-behaved ${n}`;

let collector: Collector | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await collector?.listeners.close();
  collector = undefined;
});

function open(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host }, () => resolve(socket));
    socket.on('error', reject);
    sockets.push(socket);
  });
}

/** Resolves when the server closes the socket; with how many bytes it answered (it never writes). */
function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

function send(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}

/** A fresh well-behaved client sends newline frames, an octet-counted frame and a datagram; all arrive. */
async function stillServes(c: Collector, n: number): Promise<void> {
  const port = c.listeners.ports.tcp as number;
  const socket = await open(port);
  await send(socket, `${GOOD(n)}\n${Buffer.byteLength(GOOD(n + 1))} ${GOOD(n + 1)}`);
  socket.end();
  const udp = createSocket('udp4');
  await new Promise<void>((resolve, reject) =>
    udp.send(GOOD(n + 2), c.listeners.ports.udp as number, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
  );
  udp.close();
  await c.waitFor(
    (all) => [n, n + 1, n + 2].every((k) => all.some((raw) => raw.line === GOOD(k))),
    5000,
    `well-behaved messages ${n}..${n + 2}`,
  );
}

describe('syslog listeners under hostile input', () => {
  it('survives random bytes over TCP and UDP', async () => {
    collector = await startCollector();
    const c = collector;
    for (let i = 0; i < 5; i += 1) {
      const socket = await open(c.listeners.ports.tcp as number);
      await send(socket, randomBytes(256 * 1024));
      socket.end();
    }
    const udp = createSocket('udp4');
    for (let i = 0; i < 50; i += 1) {
      await new Promise<void>((resolve) =>
        udp.send(randomBytes(1 + i * 37), c.listeners.ports.udp as number, '127.0.0.1', () => resolve()),
      );
    }
    udp.close();
    await waitUntil(() => c.listeners.metrics().tcp.connections_open === 0, 5000, 'random senders to go');
    await stillServes(c, 1);
  });

  it('resynchronises a connection after a wrong octet count, and counts it', async () => {
    collector = await startCollector();
    const socket = await open(collector.listeners.ports.tcp as number);
    const frames = [1, 2, 3, 4].map((n) => GOOD(100 + n));
    const octet = (text: string, delta = 0) => `${Buffer.byteLength(text) + delta} ${text}`;
    // The first count is 15 too large: it swallows the start of the second frame.
    await send(
      socket,
      octet(frames[0] as string, 15) +
        frames
          .slice(1)
          .map((f) => octet(f))
          .join(''),
    );
    // And one too small, then a good frame again, on the same connection.
    await send(socket, octet(GOOD(105), -20) + octet(GOOD(106)));
    await collector.waitFor((all) => all.some((raw) => raw.line === GOOD(106)));
    const lines = collector.lines();
    expect(lines).toContain(GOOD(103));
    expect(lines).toContain(GOOD(104));
    expect(collector.listeners.metrics().tcp.framing_errors).toBe(2);
    expect(socket.destroyed).toBe(false);
    await stillServes(collector, 1);
  });

  it('cuts a 10 MiB line to the limit, keeps the connection, and stays in step', async () => {
    collector = await startCollector();
    const socket = await open(collector.listeners.ports.tcp as number);
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x78);
    Buffer.from('<13>').copy(huge);
    await send(socket, Buffer.concat([huge, Buffer.from(`\n${GOOD(201)}\n`)]));
    // The same, octet-counted (a truthful huge count).
    await send(socket, `${huge.length} `);
    await send(socket, huge);
    await send(socket, `${Buffer.byteLength(GOOD(202))} ${GOOD(202)}`);
    await collector.waitFor((all) => all.some((raw) => raw.line === GOOD(202)), 20_000);
    const lines = collector.lines();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toHaveLength(64 * 1024);
    expect(lines[1]).toBe(GOOD(201));
    expect(lines[2]).toHaveLength(64 * 1024);
    expect(lines[3]).toBe(GOOD(202));
    const metrics = collector.listeners.metrics().tcp;
    expect(metrics.oversized_messages).toBe(2);
    expect(metrics.connections_closed.error).toBe(0);
    expect(socket.destroyed).toBe(false);
    await stillServes(collector, 1);
  });

  it('drops oversized messages when configured to, over TCP and UDP', async () => {
    collector = await startCollector({ maxMessageBytes: 1000, oversized: 'drop' });
    const c = collector;
    const socket = await open(c.listeners.ports.tcp as number);
    await send(socket, `<13>${'x'.repeat(5000)}\n${GOOD(1)}\n`);
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) =>
      udp.send(`<13>${'y'.repeat(5000)}`, c.listeners.ports.udp as number, '127.0.0.1', () => resolve()),
    );
    udp.close();
    await waitUntil(
      () => c.listeners.metrics().udp.dropped_messages.oversized === 1,
      5000,
      'the datagram drop',
    );
    await c.waitFor((all) => all.some((raw) => raw.line === GOOD(1)));
    expect(c.lines()).toEqual([GOOD(1)]);
    expect(c.listeners.metrics().tcp.dropped_messages.oversized).toBe(1);
    await stillServes(c, 10);
  });

  it('closes a connection that opens and never speaks', async () => {
    collector = await startCollector({ initialTimeoutMs: 300, idleTimeoutMs: 600 });
    const silent = await open(collector.listeners.ports.tcp as number);
    const talker = await open(collector.listeners.ports.tcp as number);
    await send(talker, `${GOOD(1)}\n`);
    const started = Date.now();
    await closed(silent);
    expect(Date.now() - started).toBeLessThan(3000);
    // The talker got the longer idle allowance after its first message; then it too is closed.
    expect(talker.destroyed).toBe(false);
    await closed(talker);
    const c = collector;
    await waitUntil(() => c.listeners.metrics().tcp.connections_closed.idle === 2, 5000, 'two idle closes');
    expect(c.listeners.metrics().tcp.connections_open).toBe(0);
    await stillServes(collector, 10);
  });

  it('refuses connections over the limit, and takes new ones once some close', async () => {
    collector = await startCollector({ maxConnections: 3 });
    const port = collector.listeners.ports.tcp as number;
    const held = [await open(port), await open(port), await open(port)];
    for (const [i, socket] of held.entries()) await send(socket, `${GOOD(i)}\n`);
    await collector.waitFor((all) => all.length === 3);
    const extra = await open(port);
    await closed(extra);
    const limited = collector;
    await waitUntil(() => limited.listeners.metrics().tcp.connections_refused.limit === 1, 5000, 'a refusal');
    for (const socket of held) socket.destroy();
    const c = collector;
    await waitUntil(
      () => c.listeners.metrics().tcp.connections_open === 0,
      5000,
      'held connections to close',
    );
    await stillServes(c, 10);
  });

  it('refuses senders outside the allowlist (IPv6 loopback against an IPv4-only list)', async () => {
    collector = await startCollector({ host: '::', allow: ['127.0.0.0/8', '2001:db8::/32'] });
    const c = collector;
    const port = c.listeners.ports.tcp as number;
    const outsider = await open(port, '::1');
    await closed(outsider);
    const udp6 = createSocket('udp6');
    await new Promise<void>((resolve) =>
      udp6.send(GOOD(1), c.listeners.ports.udp as number, '::1', () => resolve()),
    );
    udp6.close();
    await waitUntil(
      () => c.listeners.metrics().udp.dropped_messages.not_allowed === 1,
      5000,
      'the datagram drop',
    );
    const metrics = c.listeners.metrics();
    expect(metrics.tcp.connections_refused.not_allowed).toBe(1);
    expect(c.received).toHaveLength(0);
    // IPv4 loopback reaches the dual-stack socket as ::ffff:127.0.0.1, and is allowed as 127.0.0.1.
    await stillServes(c, 20);
    expect(new Set(c.received.map((raw) => raw.peer))).toEqual(new Set(['127.0.0.1']));
    expect(c.log.records.some((r) => r.level === 'warn' && String(r.fields.peer) === '::1')).toBe(true);
  });

  it('rejects a malformed allowlist at start, naming every bad entry', async () => {
    await expect(
      startCollector({ allow: ['10.0.0.0/33', 'not-an-ip', '::1/64', '10.1.0.0/16'] }),
    ).rejects.toThrow(/"10\.0\.0\.0\/33".*"not-an-ip"/);
  });
});
