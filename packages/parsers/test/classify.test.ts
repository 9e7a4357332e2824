import { classify, parseSyslog, UTC } from '@bulwark/parsers';
import { describe, expect, it } from 'vitest';

const RECEIVED = '2026-11-23T06:00:00.000Z';
const of = (line: string, timezone?: string) =>
  classify({ line, received_at: RECEIVED, id: 'e1' }, timezone ? { timezone } : {});

describe('classify: sshd', () => {
  it('reads a failed password with user, address, port, host, program and pid', () => {
    const event = of(
      'Nov 20 02:15:27 bastion sshd[3660]: Failed password for root from 103.137.108.89 port 49161 ssh2',
    );
    expect(event).toMatchObject({
      '@timestamp': '2026-11-20T02:15:27.000Z',
      'event.id': 'e1',
      'event.dataset': 'sshd',
      'event.action': 'ssh_login',
      'event.outcome': 'failure',
      'event.category': ['authentication'],
      'bulwark.category': 'failed_login',
      'user.name': 'root',
      'source.ip': '103.137.108.89',
      'source.port': 49161,
      'host.name': 'bastion',
      'process.name': 'sshd',
      'process.pid': 3660,
    });
    expect(event.message).toContain('Failed password');
  });

  it('reads failures for invalid users and other methods, and IPv6 sources', () => {
    expect(
      of(
        'Nov 21 04:00:01 bastion sshd[1]: Failed password for invalid user admin from 2001:DB8::1 port 22 ssh2',
      ),
    ).toMatchObject({ 'user.name': 'admin', 'source.ip': '2001:db8::1', 'bulwark.category': 'failed_login' });
    // A client offering several keys to a real account is routine; for an invalid user it is not.
    expect(
      of(
        'Nov 21 04:00:01 bastion sshd[1]: Failed publickey for git from 198.51.100.2 port 22 ssh2: RSA SHA256:x',
      ),
    ).toMatchObject({
      'user.name': 'git',
      'bulwark.category': 'other',
      'event.action': 'ssh_publickey_rejected',
    });
    expect(
      of(
        'Nov 21 04:00:01 bastion sshd[1]: Failed publickey for invalid user git from 198.51.100.2 port 22 ssh2',
      ),
    ).toMatchObject({ 'user.name': 'git', 'bulwark.category': 'failed_login' });
    expect(
      of('Nov 21 04:00:01 bastion sshd[1]: Invalid user oracle from 198.51.100.3 port 5122'),
    ).toMatchObject({
      'event.action': 'invalid_user',
      'user.name': 'oracle',
      'source.ip': '198.51.100.3',
      'bulwark.category': 'failed_login',
    });
  });

  it('takes the address sshd wrote, not one smuggled into the user name', () => {
    const event = of(
      'Nov 21 04:00:01 bastion sshd[1]: Failed password for invalid user x from 10.0.0.1 port 1 from 203.0.113.5 port 22 ssh2',
    );
    expect(event).toMatchObject({ 'source.ip': '203.0.113.5', 'user.name': 'x from 10.0.0.1 port 1' });
    expect(
      of('Nov 21 04:00:01 bastion sshd[1]: Invalid user a from 10.0.0.1 port 2 from 203.0.113.6 port 22')[
        'source.ip'
      ],
    ).toBe('203.0.113.6');
    expect(
      of('Nov 21 04:00:01 bastion sshd[1]: Failed password for invalid user  from 203.0.113.7 port 22 ssh2'),
    ).toMatchObject({ 'source.ip': '203.0.113.7' });
  });

  it('reads OpenSSH 9.8+ sshd-session lines as sshd', () => {
    expect(
      of('Nov 21 04:00:01 bastion sshd-session[77]: Failed password for root from 192.0.2.20 port 22 ssh2'),
    ).toMatchObject({
      'event.dataset': 'sshd',
      'bulwark.category': 'failed_login',
      'source.ip': '192.0.2.20',
    });
  });

  it('normalises IPv4-mapped IPv6 to IPv4', () => {
    expect(
      of('Nov 21 04:00:01 bastion sshd[1]: Failed password for root from ::ffff:192.0.2.9 port 22 ssh2')[
        'source.ip'
      ],
    ).toBe('192.0.2.9');
  });

  it('reads accepted logins as successful logins', () => {
    expect(
      of(
        'Nov 20 02:47:44 bastion sshd[1830]: Accepted publickey for deploy from 86.230.184.250 port 6954 ssh2: ED25519 SHA256:abc',
      ),
    ).toMatchObject({
      'event.outcome': 'success',
      'bulwark.category': 'successful_login',
      'user.name': 'deploy',
      'source.ip': '86.230.184.250',
    });
  });

  it('keeps a hostname as source.address when no IP is given', () => {
    const event = of(
      'Nov 21 04:00:01 bastion sshd[1]: Failed password for root from evil.example port 22 ssh2',
    );
    expect(event['source.ip']).toBeUndefined();
    expect(event['source.address']).toBe('evil.example');
  });

  it('keeps unrecognised sshd and other syslog lines as other, with their own time', () => {
    expect(
      of('Nov 20 00:46:44 bastion sshd[1217]: pam_unix(sshd:session): session opened for user deploy'),
    ).toMatchObject({
      'event.dataset': 'sshd',
      'bulwark.category': 'other',
      '@timestamp': '2026-11-20T00:46:44.000Z',
    });
    expect(of('Nov 20 00:46:44 bastion cron[5]: (root) CMD (true)')).toMatchObject({
      'event.dataset': 'syslog',
      'bulwark.category': 'other',
    });
  });

  it('keeps lines of no known format as other, stamped with their receive time', () => {
    const event = of('hello world');
    expect(event).toMatchObject({
      'bulwark.category': 'other',
      '@timestamp': RECEIVED,
      message: 'hello world',
    });
  });

  it('reads RFC 3339 timestamps and applies the configured zone to year-less ones', () => {
    expect(
      of(
        '2026-11-20T03:00:00.250+01:00 bastion sshd[9]: Failed password for root from 192.0.2.1 port 1 ssh2',
      )['@timestamp'],
    ).toBe('2026-11-20T02:00:00.250Z');
    expect(of('Nov 20 03:00:00 bastion sshd[9]: Invalid user x from 192.0.2.1', '+02:00')['@timestamp']).toBe(
      '2026-11-20T01:00:00.000Z',
    );
  });

  it('puts a year-less December line read in January in the previous year', () => {
    const event = classify(
      {
        line: 'Dec 31 23:59:59 h sshd[1]: Invalid user a from 192.0.2.1',
        received_at: '2027-01-01T00:00:10Z',
        id: 'x',
      },
      {},
    );
    expect(event['@timestamp']).toBe('2026-12-31T23:59:59.000Z');
  });

  // A catastrophic backtrack would run for minutes: the timeout is the assertion, not a benchmark.
  it('terminates on hostile lines built to make regexes backtrack', { timeout: 10_000 }, () => {
    const hostile = [
      `Nov 20 00:00:00 h sshd[1]: Failed password for ${'a '.repeat(50_000)}`,
      `Nov 20 00:00:00 h sshd[1]: Invalid user ${' from'.repeat(40_000)}`,
      `Nov 20 00:00:00 ${'h'.repeat(100_000)}`,
      `${'Nov 20 00:00:00 '.repeat(10_000)}`,
    ];
    for (const line of hostile) expect(of(line)['bulwark.category']).toBe('other');
  });
});

describe('classify: time zones', () => {
  const at = (line: string, timezone: string, received = '2026-07-10T00:00:00Z') =>
    classify({ line, received_at: received, id: 'z' }, { timezone })['@timestamp'];

  it('reads year-less times in an IANA zone, daylight saving included', () => {
    const line = (stamp: string) => `${stamp} h sshd[1]: Invalid user a from 192.0.2.1`;
    // Berlin is UTC+2 in summer and UTC+1 in winter.
    expect(at(line('Jul  9 12:00:00'), 'Europe/Berlin')).toBe('2026-07-09T10:00:00.000Z');
    expect(at(line('Jan  9 12:00:00'), 'Europe/Berlin', '2026-01-10T00:00:00Z')).toBe(
      '2026-01-09T11:00:00.000Z',
    );
    expect(at(line('Jul  9 12:00:00'), 'America/New_York')).toBe('2026-07-09T16:00:00.000Z');
    expect(at(line('Jul  9 12:00:00'), '-05:30')).toBe('2026-07-09T17:30:00.000Z');
  });

  it('leaves times that carry their own zone alone', () => {
    const line = '2026-07-09T12:00:00+00:00 h sshd[1]: Invalid user a from 192.0.2.1';
    expect(at(line, 'Europe/Berlin')).toBe('2026-07-09T12:00:00.000Z');
  });

  it('rejects an unknown zone', () => {
    expect(() =>
      classify({ line: 'x', received_at: '2026-07-10T00:00:00Z', id: 'z' }, { timezone: 'Mars/Olympus' }),
    ).toThrow(/unknown timezone/);
  });
});

describe('syslog envelope: with and without <PRI>', () => {
  const at = { referenceMs: Date.parse(RECEIVED), zone: UTC };
  it('reads every shape of line the same, with facility and severity added by the priority', () => {
    const lines = [
      'Nov 21 04:00:03 bastion sshd[77]: Failed password for root from 192.0.2.53 port 22 ssh2',
      'Nov 21 04:00:03 bastion sshd: no pid',
      'Nov 21 04:00:03 sshd[81]: no host',
      'Nov 21 04:00:03 bastion [sshd]: bracketed tag',
      'Nov 21 04:00:03 bastion vsftpd(pam_unix)[15522]: parenthesised tag',
      'Nov 21 04:00:03 bastion proftpd[12345] host.example.com - no colon',
      'Nov 21 04:00:03 2001:db8::1 sshd[5]: a host with colons',
      `Nov 21 04:00:03 ${'h'.repeat(280)} sshd[5]: a long host`,
      'Nov 21 04:00:03 bastion sshd[77]:',
      '2026-11-21T04:00:04.123+01:00 bastion sshd[78]: ISO time',
    ];
    for (const line of lines) {
      const plain = parseSyslog(line, at);
      expect(plain, line).toBeDefined();
      expect(parseSyslog(`<86>${line}`, at), line).toEqual({ ...plain, facility: 10, severity: 6 });
    }
  });
});
