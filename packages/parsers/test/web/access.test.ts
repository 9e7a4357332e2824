import { Classifier, classify } from '@bulwark/parsers';
import { describe, expect, it } from 'vitest';

const RECEIVED = '2026-11-23T06:00:00.000Z';
const of = (line: string, source?: string, timezone?: string) =>
  classify(
    { line, received_at: RECEIVED, id: 'w1', ...(source ? { source } : {}) },
    timezone ? { timezone } : {},
  );

const COMBINED =
  '98.195.115.121 - - [20/Nov/2026:00:00:38 +0000] "GET /search?q=union+station HTTP/1.1" 200 8791 "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64)"';

describe('access logs: formats', () => {
  it('reads combined format into ECS fields', () => {
    expect(of(COMBINED)).toEqual({
      '@timestamp': '2026-11-20T00:00:38.000Z',
      'event.id': 'w1',
      'event.created': RECEIVED,
      'event.dataset': 'nginx.access',
      'event.category': ['web'],
      'event.outcome': 'success',
      'bulwark.category': 'other',
      'source.ip': '98.195.115.121',
      'http.request.method': 'GET',
      'url.original': '/search?q=union+station',
      'url.path': '/search',
      'url.query': 'q=union+station',
      'http.response.status_code': 200,
      'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)',
      message: COMBINED,
    });
  });

  it('reads common format (no referer, no agent) and the authenticated user', () => {
    const event = of('10.1.2.3 - alice [20/Nov/2026:10:00:00 +0000] "POST /api/orders HTTP/1.1" 201 512');
    expect(event).toMatchObject({
      'source.ip': '10.1.2.3',
      'user.name': 'alice',
      'http.request.method': 'POST',
      'url.path': '/api/orders',
      'http.response.status_code': 201,
      'bulwark.category': 'other',
    });
    expect(event['user_agent.original']).toBeUndefined();
    expect(event['url.query']).toBeUndefined();
  });

  it('reads the vhost_combined prefix as apache, and tolerates fields nginx appends', () => {
    expect(
      of(
        'shop.example.com:443 203.0.113.9 - - [20/Nov/2026:00:00:38 +0000] "GET / HTTP/2.0" 200 10 "-" "curl/8.5.0"',
      ),
    ).toMatchObject({
      'event.dataset': 'apache.access',
      'source.ip': '203.0.113.9',
      'url.path': '/',
      'user_agent.original': 'curl/8.5.0',
    });
    expect(
      of(
        '203.0.113.9 - - [20/Nov/2026:00:00:38 +0000] "GET /a HTTP/1.1" 304 0 "-" "Mozilla/5.0" "198.51.100.7, 10.0.0.1" rt=0.002',
      ),
    ).toMatchObject({
      'source.ip': '203.0.113.9',
      'http.response.status_code': 304,
      'user_agent.original': 'Mozilla/5.0',
    });
  });

  it('lets a source hint name the server, and keeps the hint for the dataset', () => {
    expect(of(COMBINED, 'apache.access')['event.dataset']).toBe('apache.access');
    expect(of(COMBINED, 'nginx.access')['event.dataset']).toBe('nginx.access');
  });

  it('respects the zone of the timestamp, and the configured zone when the line has none', () => {
    expect(of('1.2.3.4 - - [20/Jan/2015:19:53:28 +0100] "GET / HTTP/1.1" 200 1')['@timestamp']).toBe(
      '2015-01-20T18:53:28.000Z',
    );
    expect(of('1.2.3.4 - - [31/Dec/2026:23:30:00 -0230] "GET / HTTP/1.1" 200 1')['@timestamp']).toBe(
      '2027-01-01T02:00:00.000Z',
    );
    expect(
      of('1.2.3.4 - - [20/Nov/2026:12:00:00] "GET / HTTP/1.1" 200 1', undefined, '+02:00')['@timestamp'],
    ).toBe('2026-11-20T10:00:00.000Z');
  });

  it('keeps dates apart across lines (the parsed date is cached)', () => {
    const classifier = new Classifier();
    const at = (line: string) => classifier.classify({ line, received_at: RECEIVED, id: 'x' })['@timestamp'];
    expect(at('1.2.3.4 - - [20/Nov/2026:23:59:59 +0000] "GET / HTTP/1.1" 200 1')).toBe(
      '2026-11-20T23:59:59.000Z',
    );
    expect(at('1.2.3.4 - - [21/Nov/2026:00:00:01 +0000] "GET / HTTP/1.1" 200 1')).toBe(
      '2026-11-21T00:00:01.000Z',
    );
    expect(at('1.2.3.4 - - [20/Nov/2026:00:00:01 +0000] "GET / HTTP/1.1" 200 1')).toBe(
      '2026-11-20T00:00:01.000Z',
    );
  });

  it('normalises addresses: IPv6, IPv4-mapped IPv6, and hostnames', () => {
    expect(of('2001:DB8::1 - - [20/Nov/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1')['source.ip']).toBe(
      '2001:db8::1',
    );
    expect(of('::ffff:192.0.2.5 - - [20/Nov/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1')['source.ip']).toBe(
      '192.0.2.5',
    );
    const named = of('client.example.net - - [20/Nov/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1');
    expect(named['source.address']).toBe('client.example.net');
    expect(named['source.ip']).toBeUndefined();
  });

  it('keeps escaped quotes inside the request and the agent', () => {
    const event = of(
      '1.2.3.4 - - [20/Nov/2026:00:00:00 +0000] "GET /a\\"b HTTP/1.1" 404 1 "-" "Mozilla \\"quoted\\" agent"',
    );
    expect(event['url.original']).toBe('/a\\"b');
    expect(event['user_agent.original']).toBe('Mozilla \\"quoted\\" agent');
  });

  it('reads malformed request lines without inventing parts', () => {
    const dash = of('1.2.3.4 - - [20/Nov/2026:00:00:00 +0000] "-" 400 0 "-" "-"');
    expect(dash).toMatchObject({
      'event.dataset': 'nginx.access',
      'http.response.status_code': 400,
      'source.ip': '1.2.3.4',
    });
    expect(dash['url.original']).toBeUndefined();
    expect(dash['user_agent.original']).toBeUndefined();
    const tls = of(
      '1.2.3.4 - - [20/Nov/2026:00:00:00 +0000] "\\x16\\x03\\x01\\x00\\xF4\\x01" 400 157 "-" "-"',
    );
    expect(tls['http.request.method']).toBeUndefined();
    expect(tls['bulwark.category']).toBe('other');
    expect(
      of('1.2.3.4 - - [20/Nov/2026:00:00:00 +0000] "GET http://proxy.example:8080/x?y=1 HTTP/1.1" 400 0'),
    ).toMatchObject({
      'url.path': '/x',
      'url.query': 'y=1',
      'url.original': 'http://proxy.example:8080/x?y=1',
    });
  });

  it('counts refused HTTP credentials (401 with a user) as a failed login', () => {
    expect(
      of('1.2.3.4 - admin [20/Nov/2026:00:00:00 +0000] "GET /admin HTTP/1.1" 401 0 "-" "Mozilla/5.0"'),
    ).toMatchObject({
      'bulwark.category': 'failed_login',
      'event.action': 'http_auth_failed',
      'user.name': 'admin',
      'source.ip': '1.2.3.4',
    });
    // The challenge a browser gets before sending credentials is not a failure.
    expect(
      of('1.2.3.4 - - [20/Nov/2026:00:00:00 +0000] "GET /admin HTTP/1.1" 401 0')['bulwark.category'],
    ).toBe('other');
  });

  it('leaves lines of other formats alone', () => {
    for (const line of [
      '[20/Nov/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1',
      '1.2.3.4 - - [20/Nov/2026:00:00:00 +0000] GET / HTTP/1.1 200 1',
      '1.2.3.4 - - [20/Nov/2026:00:00:00 +0000] "GET / HTTP/1.1" 2000 1',
      '1.2.3.4 - - [20/Foo/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1',
      '1.2.3.4 - - [20/Nov/2026:25:00:00 +0000] "GET / HTTP/1.1" 200 1',
      'Tue Nov 20 00:00:01 2026 [pid 3] [ftp] FAIL LOGIN: Client "1.2.3.4"',
      'just some text [with brackets] "and quotes" 200',
    ]) {
      expect(of(line)['event.dataset'], line).not.toMatch(/access/);
    }
  });
});
