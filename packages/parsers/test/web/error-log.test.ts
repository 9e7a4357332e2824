import { classify, parseSyslog, UTC } from '@bulwark/parsers';
import { describe, expect, it } from 'vitest';
import { createWebProgramParsers } from '../../src/web/index.js';

const of = (line: string, timezone?: string) =>
  classify({ line, received_at: '2026-11-23T00:00:00.000Z', id: 'e' }, timezone ? { timezone } : {});

describe('apache error log', () => {
  it('reads 2.2 authentication failures with user, address and time', () => {
    expect(
      of('[Thu Jul 11 01:21:43 2013] [error] [client 194.228.20.113] user dsfasdf not found: /'),
    ).toMatchObject({
      '@timestamp': '2013-07-11T01:21:43.000Z',
      'event.dataset': 'apache.error',
      'event.action': 'http_auth_unknown_user',
      'event.outcome': 'failure',
      'bulwark.category': 'failed_login',
      'user.name': 'dsfasdf',
      'source.ip': '194.228.20.113',
    });
    expect(
      of(
        '[Wed Jul 17 22:18:52 2013] [error] [client 127.0.0.1] user bob: authentication failure for "/basic": Password Mismatch',
      ),
    ).toMatchObject({
      'bulwark.category': 'failed_login',
      'user.name': 'bob',
      'event.action': 'http_auth_failed',
    });
    expect(
      of(
        "[Thu Jul 18 00:08:39 2013] [error] [client 127.0.0.1] Digest: user `carol' in realm `private' not found: /d/",
      ),
    ).toMatchObject({ 'bulwark.category': 'failed_login', 'user.name': 'carol' });
  });

  it('reads the 2.4 form: module, pid, client with port, AH code, fractional seconds, IPv6', () => {
    expect(
      of(
        '[Sat Jul 20 21:37:32.266605 2013] [auth_basic:error] [pid 17512:tid 140123079128832] [client 127.0.0.1:51386] AH01618: user dave not found: /basic/file',
      ),
    ).toMatchObject({
      '@timestamp': '2013-07-20T21:37:32.266Z',
      'bulwark.category': 'failed_login',
      'user.name': 'dave',
      'source.ip': '127.0.0.1',
      'source.port': 51386,
    });
    expect(
      of(
        '[Sat Jul 20 22:11:44.147674 2013] [authz_owner:error] [pid 1:tid 2] [client [2606:2800:220:1:248:1893:25c8:1946]:51548] AH01637: Authorization of user erin to access /x failed, reason: file owner dan does not match',
      ),
    ).toMatchObject({
      'source.ip': '2606:2800:220:1:248:1893:25c8:1946',
      'user.name': 'erin',
      'source.port': 51548,
    });
    expect(
      of(
        '[Thu Jul 11 01:21:44 2013] [error] [client 2606:2800:220:1:248:1893:25c8:1946] user v6 not found: /',
      ),
    ).toMatchObject({ 'source.ip': '2606:2800:220:1:248:1893:25c8:1946', 'user.name': 'v6' });
  });

  it('takes the time as local time in the configured zone', () => {
    expect(
      of('[Thu Jul 11 01:21:43 2013] [error] [client 1.2.3.4] user x not found: /', '+02:00')['@timestamp'],
    ).toBe('2013-07-10T23:21:43.000Z');
  });

  it('counts access refusals as failed logins, but a refused .htaccess as a probe', () => {
    expect(
      of(
        '[Wed Jul 17 23:20:45 2013] [error] [client 127.0.0.1] client denied by server configuration: /var/www/html/private',
      ),
    ).toMatchObject({ 'bulwark.category': 'failed_login', 'event.action': 'http_access_denied' });
    expect(
      of(
        '[Fri Dec 06 09:29:34 2013] [error] [client 122.49.201.178] client denied by server configuration: /var/www/webmail/.htaccess',
      ),
    ).toMatchObject({ 'bulwark.category': 'malicious_traffic', 'bulwark.threat': ['sensitive_resource'] });
  });

  it('reports missing bot-search targets and sensitive files as probes, other misses as noise', () => {
    expect(
      of(
        '[Mon Dec 23 09:49:10 2013] [error] [client 115.249.248.145] File does not exist: /var/www/phpmyadmin',
      ),
    ).toMatchObject({
      'bulwark.category': 'malicious_traffic',
      'bulwark.threat': ['scanner'],
      'source.ip': '115.249.248.145',
    });
    expect(
      of(
        "[Tue Dec 31 09:13:47 2013] [error] [client 176.102.37.56] script '/var/www/wp-login.php' not found or unable to stat",
      ),
    ).toMatchObject({ 'bulwark.category': 'malicious_traffic', 'bulwark.threat': ['scanner'] });
    expect(
      of('[Mon Dec 23 09:49:10 2013] [error] [client 1.2.3.4] File does not exist: /var/www/html/.env'),
    ).toMatchObject({
      'bulwark.category': 'malicious_traffic',
      'bulwark.threat': ['sensitive_resource'],
    });
    expect(
      of(
        '[Mon Dec 23 09:49:10 2013] [error] [client 1.2.3.4] File does not exist: /var/www/html/favicon.ico',
      ),
    ).toMatchObject({
      'bulwark.category': 'other',
      'event.action': 'http_file_not_found',
    });
  });

  it('cannot be fooled by a client-chosen path that imitates an auth failure', () => {
    const event = of(
      '[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: /srv/http/site/[client 192.168.0.1] user root not found',
    );
    expect(event['bulwark.category']).not.toBe('failed_login');
    expect(event['source.ip']).toBe('192.168.33.1');
  });

  it('leaves stale digest nonces and mod_evasive refusals alone', () => {
    expect(
      of(
        '[Sun Jul 28 21:16:37 2013] [error] [client 127.0.0.1] Digest: invalid nonce l19lgpDiBAZZZf1ec3 received - hash is not 6fda8bbc',
      )['bulwark.category'],
    ).toBe('other');
    expect(
      of(
        '[Thu Oct 17 18:43:40.160521 2019] [evasive20:error] [pid 22589] [client 192.0.2.1:56175] client denied by server configuration: /path/index.php',
      )['bulwark.category'],
    ).toBe('other');
  });
});

describe('nginx error log', () => {
  it('reads basic-auth failures with the user and the client nginx wrote', () => {
    expect(
      of(
        '2012/04/09 11:53:29 [error] 2865#0: *66647 user "xyz" was not found in "/var/www/.htpasswd", client: 192.0.43.10, server: www.myhost.com, request: "GET / HTTP/1.1", host: "www.myhost.com"',
      ),
    ).toMatchObject({
      '@timestamp': '2012-04-09T11:53:29.000Z',
      'event.dataset': 'nginx.error',
      'bulwark.category': 'failed_login',
      'event.action': 'http_auth_unknown_user',
      'user.name': 'xyz',
      'source.ip': '192.0.43.10',
    });
    expect(
      of(
        '2014/04/03 22:20:38 [error] 30708#0: *3 user "scriben dio": password mismatch, client: 192.0.2.1, server: , request: "GET / HTTP/1.1", host: "localhost:8443"',
      ),
    ).toMatchObject({
      'user.name': 'scriben dio',
      'source.ip': '192.0.2.1',
      'event.action': 'http_auth_failed',
    });
  });

  it('takes the client from nginx, not from a user name that imitates one', () => {
    expect(
      of(
        '2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"": was not found in "/etc/nginx/.htpasswd", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", host: "localhost:8443"',
      )['source.ip'],
    ).toBe('192.0.2.2');
  });

  it('judges requests for missing files like access-log requests', () => {
    expect(
      of(
        '2015/01/21 10:56:10 [error] 2833#0: *16336 open() "/var/www/site/cgi-bin/php4" failed (2: No such file or directory), client: 5.7.9.2, server: localhost, request: "GET /cgi-bin/php4 HTTP/1.1", host: "1.2.3.4"',
      ),
    ).toMatchObject({
      'bulwark.category': 'malicious_traffic',
      'bulwark.threat': ['scanner'],
      'source.ip': '5.7.9.2',
      'url.path': '/cgi-bin/php4',
      'http.request.method': 'GET',
    });
    expect(
      of(
        '2015/01/21 10:56:10 [error] 2833#0: *1 open() "/srv/a/.git/config" failed (2: No such file or directory), client: 5.7.9.2, server: a, request: "GET /.git/config HTTP/1.1", host: "a"',
      )['bulwark.threat'],
    ).toEqual(['sensitive_resource']);
    expect(
      of(
        '2015/01/21 10:56:10 [error] 2833#0: *1 open() "/srv/a/favicon.ico" failed (2: No such file or directory), client: 5.7.9.2, server: a, request: "GET /favicon.ico HTTP/1.1", host: "a"',
      )['bulwark.category'],
    ).toBe('other');
  });

  it('leaves upstream errors alone', () => {
    expect(
      of(
        '2020/11/25 16:02:45 [error] 76952#76952: *5645766 connect() failed (111: Connection refused) while connecting to upstream, client: 5.126.32.148, server: www.example.de, request: "GET /admin/config HTTP/2.0", upstream: "http://127.0.0.1:3000/admin/config", host: "www.example.de"',
      ),
    ).toMatchObject({
      'bulwark.category': 'other',
      'source.ip': '5.126.32.148',
      'event.dataset': 'nginx.error',
    });
  });
});

describe('web logs through syslog', () => {
  const [parser] = createWebProgramParsers();
  const read = (line: string) => {
    const syslog = parseSyslog(line, { referenceMs: Date.parse('2026-11-23T00:00:00Z'), zone: UTC });
    if (!syslog) throw new Error('not syslog');
    return parser?.parse(syslog);
  };

  it('routes apache and nginx program names', () => {
    expect(parser?.programs).toEqual(expect.arrayContaining(['httpd', 'apache2', 'nginx']));
  });

  it('reads apache error messages without a time of their own', () => {
    expect(
      read(
        'Feb 15 16:23:00 srv httpd[22034]: [authz_core:error] [pid 22034] [client 192.0.2.1:58585] AH01630: client denied by server configuration: /home/www/',
      ),
    ).toMatchObject({
      'bulwark.category': 'failed_login',
      'source.ip': '192.0.2.1',
      'event.dataset': 'apache.error',
    });
    expect(
      read(
        'Feb 16 22:32:48 srv httpd[22034]: [error] [client 127.0.0.1] user wrongusername not found: /basic/file',
      ),
    ).toMatchObject({ 'bulwark.category': 'failed_login', 'user.name': 'wrongusername' });
  });

  it('reads access lines sent by nginx', () => {
    expect(
      read(
        'Nov 20 00:00:00 web1 nginx: 203.0.113.7 - - [20/Nov/2026:00:00:00 +0000] "GET /.env HTTP/1.1" 404 0 "-" "curl/8"',
      ),
    ).toMatchObject({
      'event.dataset': 'nginx.access',
      'bulwark.category': 'malicious_traffic',
      'bulwark.threat': ['sensitive_resource'],
      'source.ip': '203.0.113.7',
    });
  });

  it("keeps other messages of those programs as other, under the server's error dataset", () => {
    expect(read('Nov 20 00:00:00 web1 nginx: worker process 42 exited with code 0')).toEqual({
      'event.dataset': 'nginx.error',
      'bulwark.category': 'other',
    });
    expect(read('Nov 20 00:00:00 web1 apache2[7]: AH00558: Could not reliably determine the FQDN')).toEqual({
      'event.dataset': 'apache.error',
      'bulwark.category': 'other',
    });
  });
});
