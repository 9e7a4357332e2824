import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the timestamp and the signature: `t=<unix seconds>,v1=<hex>`. */
export const SIGNATURE_HEADER = 'bulwark-signature';
/** The header that carries the notification id: the same on every attempt, for deduplication. */
export const DELIVERY_HEADER = 'bulwark-delivery';

/** HMAC-SHA256 of `<t>.<body>` with the shared secret, hex. */
export function webhookSignature(body: string | Buffer, secret: string, timestampSec: number): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest('hex');
}

/** The signature header's value for a body sent at `nowMs`. */
export function signatureHeader(body: string | Buffer, secret: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${webhookSignature(body, secret, t)}`;
}

export type SignatureCheck = { ok: true; timestampSec: number } | { ok: false; reason: string };

/**
 * What a receiver does with a request: recompute the HMAC over the raw body and compare in
 * constant time, and refuse a timestamp further than `toleranceMs` from its own clock (replays).
 */
export function verifyWebhookSignature(
  body: string | Buffer,
  header: string | undefined,
  secret: string,
  nowMs: number,
  toleranceMs = 300_000,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'no signature header' };
  const fields = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    fields.set(name, [...(fields.get(name) ?? []), part.slice(at + 1).trim()]);
  }
  const t = Number(fields.get('t')?.[0]);
  if (!Number.isInteger(t)) return { ok: false, reason: 'no timestamp' };
  if (Math.abs(nowMs - t * 1000) > toleranceMs)
    return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(webhookSignature(body, secret, t), 'hex');
  for (const candidate of fields.get('v1') ?? []) {
    const given = Buffer.from(candidate, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected))
      return { ok: true, timestampSec: t };
  }
  return { ok: false, reason: 'signature does not match' };
}
