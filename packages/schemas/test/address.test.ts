import { canonicalKey, incidentId, normaliseAddress, normaliseIp } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';

describe('normaliseAddress', () => {
  it('keeps IPv4, maps IPv4-mapped IPv6 to IPv4 and strips brackets', () => {
    expect(normaliseAddress('192.0.2.1')).toEqual({ ip: '192.0.2.1' });
    expect(normaliseAddress('::ffff:192.0.2.1')).toEqual({ ip: '192.0.2.1' });
    expect(normaliseAddress('::FFFF:192.0.2.1')).toEqual({ ip: '192.0.2.1' });
    expect(normaliseAddress('[2001:db8::1]')).toEqual({ ip: '2001:db8::1' });
  });

  it('gives every spelling of an IPv6 address one canonical form', () => {
    for (const spelling of ['2001:DB8::1', '2001:db8:0:0:0:0:0:1', '2001:0db8::0001']) {
      expect(normaliseIp(spelling)).toBe('2001:db8::1');
    }
    expect(normaliseIp('fe80::1%eth0')).toBe('fe80::1%eth0');
  });

  it('keeps hostnames as addresses, not IPs', () => {
    expect(normaliseAddress('attacker.example')).toEqual({ address: 'attacker.example' });
    expect(normaliseIp('attacker.example')).toBe('attacker.example');
  });
});

describe('ids', () => {
  it('serialises keys canonically and derives stable incident ids', () => {
    expect(canonicalKey({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    expect(incidentId('r', { b: '2', a: '1' }, 5)).toBe(incidentId('r', { a: '1', b: '2' }, 5));
    expect(incidentId('r', { a: '1' }, 5)).not.toBe(incidentId('r', { a: '1' }, 6));
  });
});

describe('CidrSet', () => {
  it('matches IPv4 and IPv6 networks and single addresses', async () => {
    const { CidrSet } = await import('@bulwark/schemas');
    const set = new CidrSet(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1']);
    expect(set.has('10.200.3.4')).toBe(true);
    expect(set.has('::ffff:10.1.2.3')).toBe(true);
    expect(set.has('11.0.0.1')).toBe(false);
    expect(set.has('192.0.2.7')).toBe(true);
    expect(set.has('192.0.2.8')).toBe(false);
    expect(set.has('2001:DB8:ffff::1')).toBe(true);
    expect(set.has('2001:db9::1')).toBe(false);
    expect(set.has('::1')).toBe(true);
    expect(set.has('not an ip')).toBe(false);
    expect(new CidrSet(['0.0.0.0/0']).has('203.0.113.9')).toBe(true);
    expect(() => new CidrSet(['10.0.0.0/33'])).toThrow(/prefix length/);
    expect(() => new CidrSet(['example.com'])).toThrow(/not an IPv4 or IPv6 address/);
  });
});
