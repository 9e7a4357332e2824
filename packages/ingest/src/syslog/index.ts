export { SenderAllowlist } from './allowlist.js';
export { emptyFramerStats, type FramerStats, type OversizedAction, SyslogFramer } from './framer.js';
export {
  type PemSource,
  SYSLOG_DEFAULTS,
  type SyslogListenerOptions,
  type SyslogListeners,
  type SyslogLog,
  type SyslogTlsOptions,
  startSyslogListeners,
} from './listeners.js';
export {
  type MetricSample,
  SYSLOG_CLOSE_REASONS,
  SYSLOG_DROP_REASONS,
  SYSLOG_REFUSE_REASONS,
  SYSLOG_TRANSPORTS,
  type SyslogCloseReason,
  type SyslogCommitMetrics,
  type SyslogDropReason,
  type SyslogMetrics,
  type SyslogRefuseReason,
  type SyslogTransport,
  type SyslogTransportMetrics,
  syslogMetricSamples,
} from './metrics.js';
