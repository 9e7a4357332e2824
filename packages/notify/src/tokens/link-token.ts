import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a "this wasn't me" link stands for: this incident (and so its user), until then. */
export interface ReportClaims {
  incidentId: string;
  expiresAtMs: number;
}

export type TokenCheck =
  | { ok: true; claims: ReportClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired'; claims?: ReportClaims };

/** First payload byte: version 1 with a standard incident id (12 bytes), or with any id as UTF-8. */
const V1_STANDARD_ID = 1;
const V1_TEXT_ID = 2;
const STANDARD_ID = /^inc_([0-9a-f]{24})$/;
const DOMAIN = 'bulwark/report-link/v1\n';
/** MAC length: HMAC-SHA256 truncated to 128 bits (RFC 2104 allows down to half the hash). */
const MAC_BYTES = 16;
const MAX_TOKEN_LENGTH = 512;
/** Shortest secret accepted: 32 characters (256 bits if random). */
export const MIN_LINK_SECRET_LENGTH = 32;

/**
 * Signs and checks the tokens of "this wasn't me" links: `<payload>.<mac>`, both base64url. The
 * payload is binary and small (version, expiry in seconds, incident id), so a link stays short
 * (46 characters for a standard id): mail clients wrap long URLs and routers cap path parameters.
 * The user is the incident's own `user.name`, so it need not be carried. Stateless: nothing is
 * stored per link, and following a link twice is harmless because the report is idempotent.
 * Expiry is checked against the `nowMs` given.
 */
export class LinkSigner {
  constructor(private readonly secret: string) {
    if (secret.length < MIN_LINK_SECRET_LENGTH) {
      throw new Error(`the link secret must be at least ${MIN_LINK_SECRET_LENGTH} characters`);
    }
  }

  sign(claims: ReportClaims): string {
    const standard = STANDARD_ID.exec(claims.incidentId);
    const id = standard ? Buffer.from(standard[1] as string, 'hex') : Buffer.from(claims.incidentId, 'utf8');
    const head = Buffer.alloc(5);
    head.writeUInt8(standard ? V1_STANDARD_ID : V1_TEXT_ID, 0);
    head.writeUInt32BE(Math.min(0xffffffff, Math.floor(claims.expiresAtMs / 1000)), 1);
    const payload = Buffer.concat([head, id]).toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  verify(token: string, nowMs: number): TokenCheck {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
    const dot = token.indexOf('.');
    if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'malformed' };
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'bad_signature' };
    }
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < 6) return { ok: false, reason: 'malformed' };
    const version = bytes.readUInt8(0);
    const id = bytes.subarray(5);
    let incidentId: string;
    if (version === V1_STANDARD_ID && id.length === 12) incidentId = `inc_${id.toString('hex')}`;
    else if (version === V1_TEXT_ID) incidentId = id.toString('utf8');
    else return { ok: false, reason: 'malformed' };
    const claims = { incidentId, expiresAtMs: bytes.readUInt32BE(1) * 1000 };
    if (nowMs >= claims.expiresAtMs) return { ok: false, reason: 'expired', claims };
    return { ok: true, claims };
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(DOMAIN).update(payload).digest().subarray(0, MAC_BYTES);
  }
}
