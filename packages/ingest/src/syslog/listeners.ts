import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer as createNetServer, isIP, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import { normaliseIp, type RawLog } from '@bulwark/schemas';
import { SenderAllowlist } from './allowlist.js';
import { Committer, type FlowControl } from './committer.js';
import { emptyFramerStats, type FramerStats, type OversizedAction, SyslogFramer } from './framer.js';
import {
  copyMetrics,
  emptyTransportMetrics,
  type MetricSample,
  type SyslogCloseReason,
  type SyslogMetrics,
  type SyslogRefuseReason,
  syslogMetricSamples,
} from './metrics.js';

/** Where the listeners report what they do; a pino logger fits. They never write to the console. */
export interface SyslogLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * PEM material: a Buffer or a string holding PEM text (`-----BEGIN ...`) is used as it is; any other
 * string is a path to a PEM file, read once at start.
 */
export type PemSource = string | Buffer;

export interface SyslogTlsOptions {
  /** Default 6514 (RFC 5425); 0 takes any free port (read it back from `ports.tls`). */
  port?: number;
  cert: PemSource;
  key: PemSource;
  passphrase?: string;
  /** CA certificate(s) that client certificates must chain to. Required unless `clientAuth` is `none`. */
  ca?: PemSource | readonly PemSource[];
  /**
   * `none` (default): clients are not asked for a certificate. `optional`: asked, not required.
   * `required`: a client without a certificate signed by `ca` fails the handshake and is counted as
   * refused with reason `tls`.
   */
  clientAuth?: 'none' | 'optional' | 'required';
}

export interface SyslogListenerOptions {
  /**
   * Commits a batch; resolves once it is durable. Called for one batch at a time, in arrival order.
   * A rejection is retried with backoff (same batch, for ever, until `close()`'s drain time runs out).
   */
  accept: (raws: RawLog[]) => Promise<unknown>;
  log: SyslogLog;
  /** Address to bind. Default `::` (IPv4 and IPv6), or `0.0.0.0` where the machine has no IPv6. */
  host?: string;
  /** UDP and TCP port (the same number for both). Default 5514; 0 takes a free port for both. */
  port?: number;
  /** Listen on UDP. Default true. */
  udp?: boolean;
  /** Listen on plain TCP. Default true. */
  tcp?: boolean;
  /** Listen on TLS too when given. */
  tls?: SyslogTlsOptions;
  /** Sender networks (CIDRs or single addresses, IPv4 or IPv6) allowed to send. Empty or absent: all. */
  allow?: readonly string[];
  /** Largest message in bytes, default 65536. */
  maxMessageBytes?: number;
  /** What to do with a longer one: `truncate` (default) keeps its first `maxMessageBytes` bytes. */
  oversized?: OversizedAction;
  /** Most TCP and TLS connections open at once (together), default 1000. */
  maxConnections?: number;
  /** A connection silent this long is closed, default 600000 (10 min); 0 never. */
  idleTimeoutMs?: number;
  /** A connection must finish its TLS handshake and send its first byte within this, default 30000. */
  initialTimeoutMs?: number;
  /** Most messages per `accept` call, default 1000. */
  batchSize?: number;
  /** How long a batch that is not full waits for more, default 0: the next turn of the event loop. */
  flushMs?: number;
  /** Messages that may wait behind the batch being committed before senders are held, default 10000. */
  maxQueuedMessages?: number;
  /**
   * Full batches handed to `accept` before the earlier ones have resolved, default 1. More lets the
   * next batch be classified while the previous commits; `accept` must then commit batches in the
   * order it was called and never commit one after an earlier one failed (see Committer).
   */
  maxInFlightBatches?: number;
  /** Backoff of a failed `accept`: first delay, doubling up to `retryMaxMs`. Defaults 100 and 5000. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How long `close()` waits for queued messages to commit, default 30000. */
  drainTimeoutMs?: number;
  /** Receive buffer asked of the kernel for the UDP socket, default 4 MiB (the kernel may cap it). */
  udpReceiveBufferBytes?: number;
  /** Wall clock for `received_at`. */
  now?: () => Date;
}

export interface SyslogListeners {
  /** The ports actually bound (useful with port 0); absent for a transport that is off. */
  readonly ports: Readonly<{ udp?: number; tcp?: number; tls?: number }>;
  /** A snapshot of the counters (a copy; see `SyslogTransportMetrics` for their meaning). */
  metrics(): SyslogMetrics;
  /** The same snapshot as `bulwark_syslog_*` samples with `stage` and `transport` labels. */
  metricSamples(): MetricSample[];
  /**
   * Stops taking connections and datagrams, closes open connections (a frame they were in the middle
   * of is counted as dropped `incomplete`), commits everything already read, then resolves. Never
   * rejects; calling it again returns the same promise.
   */
  close(): Promise<void>;
}

export const SYSLOG_DEFAULTS = {
  port: 5514,
  tlsPort: 6514,
  maxMessageBytes: 64 * 1024,
  maxConnections: 1000,
  idleTimeoutMs: 600_000,
  initialTimeoutMs: 30_000,
  batchSize: 1000,
  flushMs: 0,
  maxQueuedMessages: 10_000,
  maxInFlightBatches: 1,
  retryInitialMs: 100,
  retryMaxMs: 5000,
  drainTimeoutMs: 30_000,
  udpReceiveBufferBytes: 4 * 1024 * 1024,
} as const;

const WARN_INTERVAL_MS = 10_000;
/** Quiet time after which a resynchronising stream's held bytes are judged as they are. */
const RESYNC_SETTLE_MS = 50;

/** Logs a warning at most once per interval per key, saying how many were held back. */
class Throttle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly log: SyslogLog) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry !== undefined && now - entry.at < WARN_INTERVAL_MS) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    if (this.last.size > 1000) this.last.clear();
    this.last.set(key, { at: now, suppressed: 0 });
    this.log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
  }
}

/** `received_at` text, formatted at most once per millisecond. */
class IsoClock {
  private ms = Number.NaN;
  private text = '';
  constructor(private readonly now: (() => Date) | undefined) {}

  get(): string {
    const ms = this.now ? this.now().getTime() : Date.now();
    if (ms !== this.ms) {
      this.ms = ms;
      this.text = new Date(ms).toISOString();
    }
    return this.text;
  }
}

function isPemText(source: string): boolean {
  return source.includes('-----BEGIN');
}

async function loadPem(source: PemSource): Promise<string | Buffer> {
  if (Buffer.isBuffer(source) || isPemText(source)) return source;
  return readFile(source);
}

interface Settings {
  maxMessageBytes: number;
  oversized: OversizedAction;
  maxConnections: number;
  idleTimeoutMs: number;
  initialTimeoutMs: number;
}

interface Shared {
  settings: Settings;
  committer: Committer;
  metrics: SyslogMetrics;
  framerStats: Record<'tcp' | 'tls', FramerStats>;
  clock: IsoClock;
  throttle: Throttle;
  /** Sockets that passed the gate and are not closed yet (raw sockets for TLS). */
  sockets: Set<Socket>;
  connections: Set<Connection>;
  closing: boolean;
}

/** One TCP or TLS connection: framing, batching, flow control, timeouts. */
class Connection implements FlowControl {
  private holds = 0;
  private readonly framer: SyslogFramer;
  private readonly raws: RawLog[] = [];
  private receivedAt = '';
  private spoke = false;
  private reason: SyslogCloseReason = 'peer';
  private settleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: Socket | TLSSocket,
    private readonly transport: 'tcp' | 'tls',
    private readonly peer: string,
    private readonly shared: Shared,
  ) {
    const { settings } = shared;
    this.framer = new SyslogFramer(
      settings.maxMessageBytes,
      settings.oversized,
      (line) => {
        this.raws.push({ line, received_at: this.receivedAt, transport: 'syslog', peer: this.peer });
      },
      shared.framerStats[transport],
    );
    shared.connections.add(this);
    shared.metrics[transport].connections_opened += 1;
    socket.setTimeout(settings.initialTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('timeout', () => this.onTimeout());
    socket.on('error', () => {
      this.reason = 'error';
    });
    socket.on('close', () => this.onClose());
  }

  hold(): void {
    this.holds += 1;
    if (this.holds === 1) this.socket.pause();
  }

  release(): void {
    if (this.holds === 0) return;
    this.holds -= 1;
    if (this.holds === 0 && !this.socket.destroyed) this.socket.resume();
  }

  /**
   * Closes the connection during shutdown. What Node has already read off the socket (a paused
   * stream's buffer) is framed and queued first; a frame left unfinished is counted as incomplete.
   */
  shutdown(): void {
    if (this.socket.destroyed) return;
    this.reason = 'shutdown';
    try {
      // Each chunk `read()` returns is also emitted as 'data', which frames it.
      let chunk: unknown = this.socket.read();
      while (chunk !== null) chunk = this.socket.read();
    } catch {
      // a stream that cannot be read any more has nothing to give
    }
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const metrics = this.shared.metrics[this.transport];
    metrics.received_bytes += chunk.length;
    if (!this.spoke) {
      this.spoke = true;
      this.socket.setTimeout(this.shared.settings.idleTimeoutMs);
    }
    this.receivedAt = this.shared.clock.get();
    try {
      this.framer.push(chunk);
    } catch (error) {
      // The framer does not throw; if it ever does, lose this connection, not the listener.
      this.shared.throttle.warn('framer', { err: error, transport: this.transport }, 'syslog framing failed');
      this.reason = 'error';
      this.socket.destroy();
    }
    this.commit();
    this.watchResync();
  }

  /**
   * A stream that lost step may hold a header candidate that only the next bytes can confirm; when
   * the sender goes quiet instead, judge it on what came (see `SyslogFramer.settle`).
   */
  private watchResync(): void {
    if (this.settleTimer !== null) {
      clearTimeout(this.settleTimer);
      this.settleTimer = null;
    }
    if (!this.framer.unsettled) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.framer.settle();
      this.commit();
    }, RESYNC_SETTLE_MS);
  }

  private commit(): void {
    if (this.raws.length === 0) return;
    this.shared.metrics[this.transport].received_messages += this.raws.length;
    this.shared.committer.add(this.raws, this.transport, this);
    this.raws.length = 0;
  }

  private onEnd(): void {
    this.framer.end();
    this.commit();
  }

  private onTimeout(): void {
    if (this.holds > 0) {
      // Silent because we paused it: not its fault. Check again later.
      this.socket.setTimeout(this.shared.settings.idleTimeoutMs || this.shared.settings.initialTimeoutMs);
      return;
    }
    this.reason = 'idle';
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    // After a clean end of stream this finds nothing; otherwise an unfinished frame never will be.
    this.framer.abort();
    this.shared.connections.delete(this);
    this.shared.committer.forget(this);
    this.shared.metrics[this.transport].connections_closed[this.reason] += 1;
  }
}

/**
 * Starts the syslog listeners: UDP and TCP on `port` (default 5514), and TLS on `tls.port` (default
 * 6514) when `tls` is given. Resolves once every listener is bound; rejects (with nothing left bound)
 * when one cannot be, or when the TLS material or the allowlist is invalid.
 *
 * Every message (a UDP datagram, or an RFC 6587 frame on TCP/TLS, octet-counted or newline/NUL
 * delimited, detected per connection) becomes a `RawLog` with the message text as received (trailing
 * CR/LF removed, BOM kept), `transport: 'syslog'`, the sender's address as `peer`, and is handed to
 * `accept` in batches; see `SyslogListenerOptions` for the limits and `SyslogListeners` for the rest.
 */
export async function startSyslogListeners(options: SyslogListenerOptions): Promise<SyslogListeners> {
  const settings: Settings = {
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes, SYSLOG_DEFAULTS.maxMessageBytes),
    oversized: options.oversized ?? 'truncate',
    maxConnections: positive('maxConnections', options.maxConnections, SYSLOG_DEFAULTS.maxConnections),
    idleTimeoutMs: nonNegative('idleTimeoutMs', options.idleTimeoutMs, SYSLOG_DEFAULTS.idleTimeoutMs),
    initialTimeoutMs: nonNegative(
      'initialTimeoutMs',
      options.initialTimeoutMs,
      SYSLOG_DEFAULTS.initialTimeoutMs,
    ),
  };
  const drainTimeoutMs = nonNegative(
    'drainTimeoutMs',
    options.drainTimeoutMs,
    SYSLOG_DEFAULTS.drainTimeoutMs,
  );
  const allowlist = new SenderAllowlist(options.allow ?? []);
  const log = options.log;
  const metrics: SyslogMetrics = {
    udp: emptyTransportMetrics(),
    tcp: emptyTransportMetrics(),
    tls: emptyTransportMetrics(),
    commit: { batches: 0, failures: 0, queued_messages: 0 },
  };
  const throttle = new Throttle(log);
  const committer = new Committer({
    accept: options.accept,
    batchSize: positive('batchSize', options.batchSize, SYSLOG_DEFAULTS.batchSize),
    flushMs: nonNegative('flushMs', options.flushMs, SYSLOG_DEFAULTS.flushMs),
    maxQueued: positive('maxQueuedMessages', options.maxQueuedMessages, SYSLOG_DEFAULTS.maxQueuedMessages),
    maxInFlight: positive(
      'maxInFlightBatches',
      options.maxInFlightBatches,
      SYSLOG_DEFAULTS.maxInFlightBatches,
    ),
    retryInitialMs: positive('retryInitialMs', options.retryInitialMs, SYSLOG_DEFAULTS.retryInitialMs),
    retryMaxMs: positive('retryMaxMs', options.retryMaxMs, SYSLOG_DEFAULTS.retryMaxMs),
    metrics,
    onFailure: (error, attempt, messages) =>
      throttle.warn('accept', { err: error, attempt, messages }, 'syslog batch commit failed; retrying'),
  });
  const shared: Shared = {
    settings,
    committer,
    metrics,
    framerStats: { tcp: emptyFramerStats(), tls: emptyFramerStats() },
    clock: new IsoClock(options.now),
    throttle,
    sockets: new Set(),
    connections: new Set(),
    closing: false,
  };

  const wantUdp = options.udp ?? true;
  const wantTcp = options.tcp ?? true;
  const port = options.port ?? SYSLOG_DEFAULTS.port;
  const ports: { udp?: number; tcp?: number; tls?: number } = {};
  let tcpServer: NetServer | null = null;
  let tlsListener: NetServer | null = null;
  let udpSocket: UdpSocket | null = null;

  /** Admits or refuses a new TCP connection (raw socket, before any TLS). */
  const gate = (socket: Socket, transport: 'tcp' | 'tls'): string | undefined => {
    socket.on('error', () => {});
    const m = metrics[transport];
    const refuse = (reason: SyslogRefuseReason): undefined => {
      m.connections_refused[reason] += 1;
      socket.destroy();
      return undefined;
    };
    if (shared.closing) return refuse('closing');
    const address = socket.remoteAddress;
    if (!allowlist.allows(address)) {
      throttle.warn(
        `deny:${transport}`,
        { transport, peer: address ? normaliseIp(address) : undefined },
        'syslog connection from a sender outside the allowlist refused',
      );
      return refuse('not_allowed');
    }
    if (shared.sockets.size >= settings.maxConnections) {
      throttle.warn(
        `limit:${transport}`,
        { transport, maxConnections: settings.maxConnections },
        'syslog connection refused: too many connections',
      );
      return refuse('limit');
    }
    shared.sockets.add(socket);
    m.connections_open += 1;
    socket.once('close', () => {
      shared.sockets.delete(socket);
      m.connections_open -= 1;
    });
    return normaliseIp(address ?? '');
  };

  const host = options.host ?? '::';
  const fallbackHost = options.host === undefined ? '0.0.0.0' : undefined;

  const closeAll = async (): Promise<void> => {
    shared.closing = true;
    const closed: Promise<void>[] = [];
    for (const server of [tcpServer, tlsListener]) {
      if (server?.listening) closed.push(new Promise<void>((resolve) => server.close(() => resolve())));
    }
    for (const socket of shared.sockets) {
      closed.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
    }
    for (const connection of shared.connections) connection.shutdown();
    for (const socket of shared.sockets) socket.destroy();
    if (udpSocket !== null) {
      const socket = udpSocket;
      closed.push(
        new Promise<void>((resolve) => {
          try {
            socket.close(() => resolve());
          } catch {
            resolve();
          }
        }),
      );
    }
    await committer.drain(drainTimeoutMs);
    await Promise.all(closed);
  };

  try {
    let tlsServer: TlsServer | null = null;
    if (options.tls) tlsServer = await buildTlsServer(options.tls, shared);

    const bindHost = async (bindTo: string): Promise<void> => {
      if (wantTcp || wantUdp) {
        // Port 0: the TCP port is chosen by the kernel, and UDP must get the same number.
        for (let tries = 0; ; tries += 1) {
          if (wantTcp) {
            tcpServer = createNetServer({ noDelay: true }, (socket) => {
              const peer = gate(socket, 'tcp');
              if (peer !== undefined) new Connection(socket, 'tcp', peer, shared);
            });
            ports.tcp = await listen(tcpServer, port, bindTo);
          }
          if (!wantUdp) break;
          try {
            const udpPort = wantTcp ? (ports.tcp as number) : port;
            udpSocket = await bindUdp(udpPort, bindTo, options, shared, allowlist);
            ports.udp = udpSocket.address().port;
            break;
          } catch (error) {
            if (
              port !== 0 ||
              !wantTcp ||
              tries >= 10 ||
              (error as NodeJS.ErrnoException).code !== 'EADDRINUSE'
            ) {
              throw error;
            }
            await closeServer(tcpServer);
            tcpServer = null;
          }
        }
      }
      if (tlsServer !== null) {
        const server = tlsServer;
        tlsListener = createNetServer({ noDelay: true }, (socket) => {
          if (gate(socket, 'tls') !== undefined) server.emit('connection', socket);
        });
        ports.tls = await listen(tlsListener, options.tls?.port ?? SYSLOG_DEFAULTS.tlsPort, bindTo);
      }
    };

    try {
      await bindHost(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (fallbackHost === undefined || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw error;
      await closeAll();
      shared.closing = false;
      tcpServer = tlsListener = null;
      udpSocket = null;
      await bindHost(fallbackHost);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  log.info({ ports, host }, 'syslog listeners started');

  let closing: Promise<void> | null = null;
  const snapshot = (): SyslogMetrics => {
    const out = copyMetrics(metrics);
    for (const transport of ['tcp', 'tls'] as const) {
      const stats = shared.framerStats[transport];
      const m = out[transport];
      m.oversized_messages += stats.oversized;
      m.framing_errors += stats.framingErrors;
      m.discarded_bytes += stats.junkBytes;
      m.dropped_messages.oversized += stats.oversizedDropped;
      m.dropped_messages.incomplete += stats.incomplete;
      m.received_messages += stats.oversizedDropped + stats.incomplete;
    }
    out.commit.queued_messages = committer.queued;
    return out;
  };

  return {
    ports: Object.freeze({ ...ports }),
    metrics: snapshot,
    metricSamples: () => syslogMetricSamples(snapshot()),
    close: () => {
      if (closing === null) {
        closing = closeAll().then(
          () => log.info({ metrics: snapshot() }, 'syslog listeners closed'),
          (error: unknown) => log.error({ err: error }, 'syslog listeners did not close cleanly'),
        );
      }
      return closing;
    },
  };
}

async function buildTlsServer(tls: SyslogTlsOptions, shared: Shared): Promise<TlsServer> {
  const clientAuth = tls.clientAuth ?? 'none';
  const caList = tls.ca === undefined ? [] : Array.isArray(tls.ca) ? tls.ca : [tls.ca as PemSource];
  if (clientAuth !== 'none' && caList.length === 0) {
    throw new Error(
      `syslog TLS: clientAuth "${clientAuth}" needs a CA (tls.ca) to check client certificates`,
    );
  }
  const [cert, key, ...ca] = await Promise.all([loadPem(tls.cert), loadPem(tls.key), ...caList.map(loadPem)]);
  const server = createTlsServer({
    cert,
    key,
    passphrase: tls.passphrase,
    ca: ca.length > 0 ? ca : undefined,
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'required',
    minVersion: 'TLSv1.2',
    handshakeTimeout: shared.settings.initialTimeoutMs || 120_000,
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const peer = normaliseIp(socket.remoteAddress ?? '');
    if (shared.closing) {
      shared.metrics.tls.connections_refused.closing += 1;
      socket.destroy();
      return;
    }
    new Connection(socket, 'tls', peer, shared);
  });
  server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
    shared.metrics.tls.connections_refused.tls += 1;
    shared.throttle.warn(
      'tls',
      { peer: normaliseIp(socket.remoteAddress ?? ''), err: error.message },
      'syslog TLS handshake failed',
    );
    socket.destroy();
  });
  return server;
}

function bindUdp(
  port: number,
  host: string,
  options: SyslogListenerOptions,
  shared: Shared,
  allowlist: SenderAllowlist,
): Promise<UdpSocket> {
  const type = isIP(host) === 4 ? 'udp4' : 'udp6';
  const socket = createSocket({ type });
  const m = shared.metrics.udp;
  const { maxMessageBytes, oversized } = shared.settings;
  // Datagrams come in runs from the same sender: check and normalise its address once per run.
  let lastAddress = '';
  let lastPeer = '';
  let lastAllowed = false;
  socket.on('message', (message: Buffer, remote) => {
    let end = message.length;
    while (end > 0) {
      const last = message[end - 1];
      if (last !== 0x0a && last !== 0x0d && last !== 0x00) break;
      end -= 1;
    }
    if (end === 0) return;
    m.received_messages += 1;
    m.received_bytes += message.length;
    if (remote.address !== lastAddress) {
      lastAddress = remote.address;
      lastPeer = normaliseIp(remote.address);
      lastAllowed = allowlist.allows(remote.address);
    }
    if (!lastAllowed) {
      m.dropped_messages.not_allowed += 1;
      shared.throttle.warn(
        'deny:udp',
        { transport: 'udp', peer: lastPeer },
        'syslog datagram from a sender outside the allowlist dropped',
      );
      return;
    }
    if (shared.committer.full) {
      m.dropped_messages.overload += 1;
      return;
    }
    if (end > maxMessageBytes) {
      m.oversized_messages += 1;
      if (oversized === 'drop') {
        m.dropped_messages.oversized += 1;
        return;
      }
      end = maxMessageBytes;
    }
    shared.committer.addOne(
      {
        line: message.toString('utf8', 0, end),
        received_at: shared.clock.get(),
        transport: 'syslog',
        peer: lastPeer,
      },
      'udp',
    );
  });
  socket.on('error', (error) => shared.throttle.warn('udp', { err: error }, 'syslog UDP socket error'));
  return new Promise<UdpSocket>((resolve, reject) => {
    const onError = (error: Error) => {
      try {
        socket.close();
      } catch {
        // never bound
      }
      reject(error);
    };
    socket.once('error', onError);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', onError);
      const size = options.udpReceiveBufferBytes ?? SYSLOG_DEFAULTS.udpReceiveBufferBytes;
      try {
        if (size > 0) socket.setRecvBufferSize(size);
      } catch {
        // the kernel keeps its own size
      }
      resolve(socket);
    });
  });
}

function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

function closeServer(server: NetServer | null): Promise<void> {
  return new Promise<void>((resolve) => {
    if (server === null || !server.listening) resolve();
    else server.close(() => resolve());
  });
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const out = value ?? fallback;
  if (!Number.isFinite(out) || out <= 0)
    throw new Error(`syslog listeners: ${name} must be a positive number`);
  return out;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const out = value ?? fallback;
  if (!Number.isFinite(out) || out < 0) throw new Error(`syslog listeners: ${name} must be zero or more`);
  return out;
}
