import type { DeliveryResult } from '../port.js';

/** What the twilio SDK's RestException and axios' network errors carry. */
interface TwilioFailure {
  message?: string;
  /** HTTP status (RestException). */
  status?: number;
  /** Twilio error code (RestException, a number) or a network error code (axios, a string). */
  code?: number | string;
  moreInfo?: string;
}

/** Network failures after which the request may still have reached Twilio. */
const MAYBE_ARRIVED = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'ERR_NETWORK',
  'ESOCKETTIMEDOUT',
]);
/** Network failures before anything was sent. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Translates a Twilio API failure into the port's terms. Retryable: 429, 5xx and network errors;
 * 5xx and a connection broken mid-request are `uncertain` (Twilio may have queued the message), so
 * the next attempt looks for it before sending again. Permanent: every other 4xx (bad number,
 * unsubscribed recipient, refused credentials).
 */
export function translateTwilioError(error: unknown): DeliveryResult & { ok: false } {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as TwilioFailure;
  const message = failure.message ?? String(error);
  if (typeof failure.status === 'number') {
    const status = failure.status;
    const code = typeof failure.code === 'number' ? ` ${failure.code}` : '';
    const text = `Twilio ${status}${code}: ${message}`;
    if (status === 429) return { ok: false, retryable: true, error: text };
    if (status >= 500) return { ok: false, retryable: true, uncertain: true, error: text };
    if (status === 401 || status === 403) {
      return {
        ok: false,
        retryable: false,
        error: `Twilio refused the credentials (${status}${code}): ${message}`,
      };
    }
    return { ok: false, retryable: false, error: text };
  }
  const code = typeof failure.code === 'string' ? failure.code : '';
  if (NEVER_SENT.has(code)) {
    return { ok: false, retryable: true, error: `cannot reach Twilio (${code}): ${message}` };
  }
  if (MAYBE_ARRIVED.has(code) || code.startsWith('E')) {
    return {
      ok: false,
      retryable: true,
      uncertain: true,
      error: `connection to Twilio failed (${code}): ${message}`,
    };
  }
  return { ok: false, retryable: false, error: `Twilio error: ${message}` };
}

/** Twilio message statuses that mean it will not be delivered. */
export function isFailedStatus(status: string | undefined): boolean {
  return status === 'failed' || status === 'undelivered' || status === 'canceled';
}
