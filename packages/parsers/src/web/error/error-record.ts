/** One error-log line of either server, taken apart; what it means is decided elsewhere. */
export interface ErrorRecord {
  server: 'apache' | 'nginx';
  /** Absent when the line carried no time (apache's ErrorLog to syslog: the envelope has it). */
  timeMs?: number;
  /** Severity as written (`error`, `crit`, ...). */
  level?: string;
  /** apache 2.4's module (`auth_basic` of `[auth_basic:error]`). */
  module?: string;
  /** Client address as written, without brackets or port. */
  client?: string;
  port?: string;
  /** The message itself: apache's after any `AH01234: `, nginx's before `, client: ...`. */
  message: string;
  /** nginx's `request: "GET / HTTP/1.1"`, when the line has one. */
  request?: string;
}

/** Splits `1.2.3.4:5678`, `[2001:db8::1]:5678` or a bare address into address and port. */
export function splitHostPort(text: string): { host: string; port?: string } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close > 0) {
      const host = text.slice(1, close);
      const rest = text.slice(close + 1);
      return /^:\d{1,5}$/.test(rest) ? { host, port: rest.slice(1) } : { host };
    }
  }
  const colon = text.lastIndexOf(':');
  // One colon: IPv4 or hostname with a port. More: a bare IPv6 address, which has no port here.
  if (colon > 0 && text.indexOf(':') === colon && /^\d{1,5}$/.test(text.slice(colon + 1))) {
    return { host: text.slice(0, colon), port: text.slice(colon + 1) };
  }
  return { host: text };
}
