import type { DeliveryResult } from '../port.js';

/** The members nodemailer puts on its errors that say what went wrong. */
interface SmtpFailure {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** Codes of failures to reach or keep the server: worth another try later. */
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'ETIMEDOUT',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const CERTIFICATE_PROBLEM = /certificate|altname|unable to verify|self.signed/i;

/**
 * Translates an SMTP failure into the port's terms. Retryable: 4xx replies (and 503, a session in
 * the wrong state), failures to connect or of the connection. Permanent: 5xx replies (unknown
 * mailbox, refused credentials), TLS and authentication set-up errors, anything else.
 */
export function translateSmtpError(error: unknown): DeliveryResult & { ok: false } {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SmtpFailure;
  const reply = failure.response ? `: ${failure.response.trim().slice(0, 300)}` : '';
  const step = failure.command ? ` at ${failure.command}` : '';
  if (typeof failure.responseCode === 'number') {
    const code = failure.responseCode;
    const retryable = (code >= 400 && code < 500) || code === 503;
    return { ok: false, retryable, error: `SMTP ${code}${step}${reply}` };
  }
  const code = failure.code ?? '';
  const message = failure.message ?? String(error);
  if (CERTIFICATE_PROBLEM.test(message)) {
    // A certificate that does not verify will not verify on the next try either: a configuration
    // problem (or someone in the middle), not a passing failure.
    return { ok: false, retryable: false, error: `SMTP server certificate not trusted: ${message}` };
  }
  if (code === 'ESTREAM') {
    // The message stream failed (the commit could not be recorded): the data was never ended.
    return { ok: false, retryable: true, error: `the email was not handed over: ${message}` };
  }
  if (CONNECTION_CODES.has(code)) {
    return { ok: false, retryable: true, error: `SMTP connection failed (${code})${step}: ${message}` };
  }
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return { ok: false, retryable: false, error: `SMTP authentication failed: ${message}` };
  }
  if (code === 'ETLS') return { ok: false, retryable: false, error: `SMTP TLS failed: ${message}` };
  return { ok: false, retryable: false, error: `SMTP error${code ? ` (${code})` : ''}${step}: ${message}` };
}
