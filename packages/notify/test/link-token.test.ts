import { LinkSigner } from '@bulwark/notify';
import { describe, expect, it } from 'vitest';
import { LINK_SECRET } from './support/fixtures.js';

describe('LinkSigner', () => {
  const signer = new LinkSigner(LINK_SECRET);
  const claims = {
    incidentId: `inc_${'0a1b2c3d'.repeat(3)}`,
    expiresAtMs: Date.parse('2026-11-28T10:00:00Z'),
  };
  const token = signer.sign(claims);

  it('makes short tokens and verifies them until they expire', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{23}\.[A-Za-z0-9_-]{22}$/);
    expect(signer.verify(token, Date.parse('2026-11-28T09:59:59Z'))).toEqual({ ok: true, claims });
    expect(signer.verify(token, claims.expiresAtMs)).toEqual({ ok: false, reason: 'expired', claims });
  });

  it('carries ids of any form', () => {
    const other = { incidentId: 'legacy/incident 7', expiresAtMs: 2_000_000_000_000 };
    expect(signer.verify(signer.sign(other), 0)).toEqual({ ok: true, claims: other });
  });

  it('refuses tampered, foreign and malformed tokens', () => {
    const [payload, mac] = token.split('.') as [string, string];
    const bytes = Buffer.from(payload, 'base64url');
    bytes.writeUInt32BE(0xfffffff0, 1);
    expect(signer.verify(`${bytes.toString('base64url')}.${mac}`, 0)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(signer.verify(`${payload}.${mac.slice(0, -2)}AA`, 0)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(new LinkSigner(`${LINK_SECRET}-other`).verify(token, 0)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(signer.verify('garbage', 0)).toEqual({ ok: false, reason: 'malformed' });
    expect(signer.verify('a.b.c', 0)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('wants a long secret', () => {
    expect(() => new LinkSigner('short')).toThrow(/at least 32/);
  });
});
