import type { MetricSample } from '@bulwark/schemas';
/** The syslog doors. */
export type SyslogTransport = 'udp' | 'tcp' | 'tls';
export const SYSLOG_TRANSPORTS: readonly SyslogTransport[] = ['udp', 'tcp', 'tls'];

/**
 * Why a received message never reached `accept`:
 * - `oversized`: longer than the limit with `oversized: 'drop'` (cut messages are kept, not dropped);
 * - `not_allowed`: a UDP datagram from a sender outside the allowlist;
 * - `overload`: a UDP datagram that came while the queue was full;
 * - `incomplete`: an octet-counted frame cut short by the end of its connection;
 * - `shutdown`: still uncommitted when `close()` gave up waiting for `accept`.
 */
export type SyslogDropReason = 'oversized' | 'not_allowed' | 'overload' | 'incomplete' | 'shutdown';
export const SYSLOG_DROP_REASONS: readonly SyslogDropReason[] = [
  'oversized',
  'not_allowed',
  'overload',
  'incomplete',
  'shutdown',
];

/** Why a TCP or TLS connection was closed before it sent anything: limit, allowlist, TLS handshake, shutdown. */
export type SyslogRefuseReason = 'limit' | 'not_allowed' | 'tls' | 'closing';
export const SYSLOG_REFUSE_REASONS: readonly SyslogRefuseReason[] = [
  'limit',
  'not_allowed',
  'tls',
  'closing',
];

/** Why an established connection ended: the peer closed it, it idled out, a socket error, shutdown. */
export type SyslogCloseReason = 'peer' | 'idle' | 'error' | 'shutdown';
export const SYSLOG_CLOSE_REASONS: readonly SyslogCloseReason[] = ['peer', 'idle', 'error', 'shutdown'];

/**
 * Counters of one transport, all monotonic except `connections_open`. Invariant, once `close()` has
 * resolved: `received_messages = accepted_messages + sum(dropped_messages)`. Before that, the
 * difference is what is queued or being committed.
 */
export interface SyslogTransportMetrics {
  /** Messages read (frames on TCP/TLS, datagrams on UDP), including those dropped afterwards. */
  received_messages: number;
  /** Bytes read off the wire (datagram or chunk sizes). */
  received_bytes: number;
  /** Messages committed by `accept`. */
  accepted_messages: number;
  /** Messages longer than the size limit, cut or dropped. */
  oversized_messages: number;
  /** Times an octet-counting stream lost step (wrong count, garbage between frames). */
  framing_errors: number;
  /** Bytes thrown away while resynchronising such a stream. */
  discarded_bytes: number;
  dropped_messages: Record<SyslogDropReason, number>;
  /** Connections accepted (TCP/TLS; always 0 for UDP). */
  connections_opened: number;
  /** Connections closed at once (limit, allowlist, failed TLS handshake, shutting down). */
  connections_refused: Record<SyslogRefuseReason, number>;
  /** Established connections that ended, by reason. */
  connections_closed: Record<SyslogCloseReason, number>;
  /** Gauge: connections open now. */
  connections_open: number;
}

/** Commits through `accept`, across transports. */
export interface SyslogCommitMetrics {
  /** `accept` calls that resolved. */
  batches: number;
  /** `accept` calls that rejected (each is retried with backoff; no message is dropped for it). */
  failures: number;
  /** Messages waiting for or in a commit right now (gauge). */
  queued_messages: number;
}

export interface SyslogMetrics {
  udp: SyslogTransportMetrics;
  tcp: SyslogTransportMetrics;
  tls: SyslogTransportMetrics;
  commit: SyslogCommitMetrics;
}

/** One Prometheus-style sample: `bulwark_<name>_<unit>_total` with `stage` and `transport` labels. */
export type { MetricSample } from '@bulwark/schemas';

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of keys) out[key] = 0;
  return out;
}

export function emptyTransportMetrics(): SyslogTransportMetrics {
  return {
    received_messages: 0,
    received_bytes: 0,
    accepted_messages: 0,
    oversized_messages: 0,
    framing_errors: 0,
    discarded_bytes: 0,
    dropped_messages: zeroes(SYSLOG_DROP_REASONS),
    connections_opened: 0,
    connections_refused: zeroes(SYSLOG_REFUSE_REASONS),
    connections_closed: zeroes(SYSLOG_CLOSE_REASONS),
    connections_open: 0,
  };
}

export function copyMetrics(metrics: SyslogMetrics): SyslogMetrics {
  const copy = (m: SyslogTransportMetrics): SyslogTransportMetrics => ({
    ...m,
    dropped_messages: { ...m.dropped_messages },
    connections_refused: { ...m.connections_refused },
    connections_closed: { ...m.connections_closed },
  });
  return {
    udp: copy(metrics.udp),
    tcp: copy(metrics.tcp),
    tls: copy(metrics.tls),
    commit: { ...metrics.commit },
  };
}

/**
 * The snapshot as samples named by the convention, with `stage="ingest"` and `transport` labels:
 * `bulwark_syslog_received_messages_total`, `bulwark_syslog_received_bytes_total`,
 * `bulwark_syslog_accepted_messages_total`, `bulwark_syslog_oversized_messages_total`,
 * `bulwark_syslog_framing_errors_total`, `bulwark_syslog_discarded_bytes_total`,
 * `bulwark_syslog_dropped_messages_total{reason}`, `bulwark_syslog_connections_opened_total`,
 * `bulwark_syslog_connections_refused_total{reason}`, `bulwark_syslog_connections_closed_total{reason}`,
 * the gauge `bulwark_syslog_connections_open`, and `bulwark_syslog_commit_batches_total`,
 * `bulwark_syslog_commit_failures_total`, the gauge `bulwark_syslog_queued_messages`.
 */
export function syslogMetricSamples(metrics: SyslogMetrics): MetricSample[] {
  const samples: MetricSample[] = [];
  const stage = 'ingest';
  for (const transport of SYSLOG_TRANSPORTS) {
    const m = metrics[transport];
    const counter = (name: string, value: number, extra: Record<string, string> = {}) =>
      samples.push({ name, type: 'counter', labels: { stage, transport, ...extra }, value });
    counter('bulwark_syslog_received_messages_total', m.received_messages);
    counter('bulwark_syslog_received_bytes_total', m.received_bytes);
    counter('bulwark_syslog_accepted_messages_total', m.accepted_messages);
    counter('bulwark_syslog_oversized_messages_total', m.oversized_messages);
    counter('bulwark_syslog_framing_errors_total', m.framing_errors);
    counter('bulwark_syslog_discarded_bytes_total', m.discarded_bytes);
    for (const reason of SYSLOG_DROP_REASONS) {
      counter('bulwark_syslog_dropped_messages_total', m.dropped_messages[reason], { reason });
    }
    if (transport === 'udp') continue;
    counter('bulwark_syslog_connections_opened_total', m.connections_opened);
    for (const reason of SYSLOG_REFUSE_REASONS) {
      counter('bulwark_syslog_connections_refused_total', m.connections_refused[reason], { reason });
    }
    for (const reason of SYSLOG_CLOSE_REASONS) {
      counter('bulwark_syslog_connections_closed_total', m.connections_closed[reason], { reason });
    }
    samples.push({
      name: 'bulwark_syslog_connections_open',
      type: 'gauge',
      labels: { stage, transport },
      value: m.connections_open,
    });
  }
  samples.push(
    {
      name: 'bulwark_syslog_commit_batches_total',
      type: 'counter',
      labels: { stage },
      value: metrics.commit.batches,
    },
    {
      name: 'bulwark_syslog_commit_failures_total',
      type: 'counter',
      labels: { stage },
      value: metrics.commit.failures,
    },
    {
      name: 'bulwark_syslog_queued_messages',
      type: 'gauge',
      labels: { stage },
      value: metrics.commit.queued_messages,
    },
  );
  return samples;
}
