import { classify } from '@bulwark/parsers';
import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { decodeComponent, decodeQuery } from '../../src/web/detect/decode.js';
import { detectThreats, injectionEngine } from '../../src/web/index.js';

const request = (target: string, agent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0', status = 200) =>
  `203.0.113.50 - - [20/Nov/2026:00:00:00 +0000] "GET ${target} HTTP/1.1" ${status} 100 "-" "${agent}"`;
const verdict = (
  target: string,
  agent?: string,
  status?: number,
): Pick<SecurityEvent, 'bulwark.category' | 'bulwark.threat'> => {
  const event = classify({
    line: request(target, agent, status),
    received_at: '2026-11-23T00:00:00Z',
    id: 'd',
  });
  return { 'bulwark.category': event['bulwark.category'], 'bulwark.threat': event['bulwark.threat'] };
};
const threatsOf = (target: string, agent?: string, status?: number) =>
  verdict(target, agent, status)['bulwark.threat'];

describe('attack detection', () => {
  it('runs libinjection here (the pattern fallback is only for platforms without the native engine)', () => {
    expect(injectionEngine()).toBe('libinjection');
  });

  it('finds SQL injection, plain and encoded', () => {
    for (const target of [
      '/products?id=1%27%20OR%20%271%27%3D%271',
      '/products?id=1%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--',
      '/products?id=1+union+select+user,pass+from+users',
      '/products?id=1%3B%20DROP%20TABLE%20users--',
      '/products?id=1%27%20AND%20SLEEP%285%29--',
      '/products?id=admin%27--',
      "/products?id=1' or '1'='1",
      '/items/1%27%20OR%201%3D1--',
    ]) {
      expect(verdict(target), target).toEqual({
        'bulwark.category': 'malicious_traffic',
        'bulwark.threat': ['sqli'],
      });
    }
  });

  it('finds XSS in HTML and script contexts', () => {
    for (const target of [
      '/search?q=%3Cscript%3Ealert%281%29%3C/script%3E',
      '/search?q=%3Csvg/onload%3Dalert%281%29%3E',
      '/search?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%28document.cookie%29%3E',
      '/search?q=javascript%3Aalert%281%29',
      '/search?q=%27%3Balert%28String.fromCharCode%2888%2C83%2C83%29%29//',
      '/p/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    ]) {
      expect(threatsOf(target), target).toEqual(['xss']);
    }
  });

  it('finds path traversal in every encoding', () => {
    for (const target of [
      '/static/../../../../etc/passwd',
      '/download?file=..%2F..%2F..%2Fetc%2Fshadow',
      '/%2e%2e%2f%2e%2e%2fetc/passwd',
      '/..%252f..%252f..%252fetc/passwd',
      '/%252e%252e%252f%252e%252e%252fboot.ini',
      '/img?path=....//....//etc/hosts',
      '/files/..%5c..%5cwindows%5cwin.ini',
      '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/issue',
      '/app/..;/manager/html',
      '/read?f=/proc/self/environ',
    ]) {
      expect(threatsOf(target), target).toContain('path_traversal');
    }
  });

  it('finds requests for sensitive resources whatever the answer', () => {
    for (const target of [
      '/.env',
      '/app/.env.production',
      '/.git/config',
      '/.git/HEAD',
      '/.svn/entries',
      '/.aws/credentials',
      '/home/deploy/.ssh/id_rsa',
      '/id_ed25519',
      '/wp-config.php.bak',
      '/wp-config.php~',
      '/backup.sql',
      '/db/dump.sql.gz',
      '/index.php.bak',
      '/backup.zip',
      '/www.tar.gz',
      '/server-status',
      '/server-info',
      '/phpinfo.php',
      '/phpmyadmin/setup/index.php',
      '/config/database.yml',
      '/.htpasswd',
      '/.DS_Store',
      '/WEB-INF/web.xml',
      '/actuator/env',
    ]) {
      for (const status of [200, 403, 404]) {
        expect(threatsOf(target, undefined, status), `${target} ${status}`).toContain('sensitive_resource');
      }
      expect(threatsOf(target), target).toEqual(['sensitive_resource']);
    }
  });

  it('finds known scanners by their agent, on any request', () => {
    for (const agent of [
      'sqlmap/1.8.2#stable (https://sqlmap.org)',
      'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Nuclei',
      'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
      'Mozilla/5.0 zgrab/0.x',
      'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
      'WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)',
      'DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)',
      'gobuster/3.6',
      'Fuzz Faster U Fool v2.1.0',
    ]) {
      expect(threatsOf('/', agent), agent).toEqual(['scanner']);
    }
  });

  it('finds bot searches for applications that are not there', () => {
    expect(threatsOf('//phpMyAdmin-2.8.2.3/scripts/setup.php', '-', 404)).toEqual([
      'sensitive_resource',
      'scanner',
    ]);
    expect(threatsOf('/cgi-bin/php4', '-', 404)).toEqual(['scanner']);
    expect(threatsOf('/roundcube/', '-', 404)).toEqual(['scanner']);
    expect(threatsOf('/admin/pma/', '-', 404)).toEqual(['scanner']);
    // The same paths answered are an installed application in use.
    expect(threatsOf('/roundcube/', '-', 200)).toBeUndefined();
    expect(threatsOf('/wp-login.php', '-', 200)).toBeUndefined();
    // A missing path elsewhere is an ordinary broken link.
    expect(threatsOf('/static/mail-icon.png', '-', 404)).toBeUndefined();
  });

  it('reports every threat a request carries', () => {
    expect(threatsOf('/.git/config?x=1%27%20OR%20%271%27%3D%271', 'sqlmap/1.8')).toEqual([
      'sensitive_resource',
      'sqli',
      'scanner',
    ]);
  });

  it('leaves benign searches with SQL words, quotes and symbols alone', () => {
    for (const q of [
      'select+a+chair',
      'select a chair',
      'O%27Brien',
      "O'Brien",
      'union+station',
      '1%3D1+puzzle+book',
      '1=1 puzzle book',
      'drop+shipping',
      '%22quoted%22+search',
      '"quoted" search',
      '%3C3+mugs',
      'rock+%26+roll',
      'or+else',
      'delete+key',
      'insert+coin',
      'script+writing+course',
      'where+is+my+order',
      'javascript%3A+the+good+parts',
      'tom+%26+jerry%27s+%2250%25+off%22',
      'c%2B%2B+primer',
      'alert+sound+settings',
      'how+to+select+from+a+table+in+excel',
      'etc.',
      '100%25+cotton',
      'a-b+testing+--+guide',
    ]) {
      expect(verdict(`/search?q=${q}`), q).toEqual({
        'bulwark.category': 'other',
        'bulwark.threat': undefined,
      });
    }
    for (const target of [
      '/',
      '/healthz',
      '/static/app.css',
      '/products/42',
      '/.well-known/acme-challenge/abc',
      '/blog/git-tips',
      '/environment',
      '/docs/select-a-plan?ref=nav&utm_source=news',
      '/a/b/c.js?v=1.2.3',
      '/download/report.zip',
      '/images/logo%20dark.png',
    ]) {
      expect(verdict(target), target).toEqual({ 'bulwark.category': 'other', 'bulwark.threat': undefined });
    }
  });

  it('gives a repeated request the same verdict (verdicts are cached)', () => {
    for (let round = 0; round < 3; round += 1) {
      expect(threatsOf('/products?id=1%27%20OR%20%271%27%3D%271')).toEqual(['sqli']);
      expect(threatsOf('/search?q=O%27Brien')).toBeUndefined();
      expect(threatsOf('/a?x=%3Cscript%3Ealert(1)%3C/script%3E&y=1')).toEqual(['xss']);
    }
  });

  it('is exposed for other log formats that carry requests', () => {
    expect(detectThreats({ path: '/.env', missing: false })).toEqual(['sensitive_resource']);
    expect(detectThreats({ path: '/search', query: 'q=hello', missing: false })).toBeUndefined();
  });
});

describe('decoding', () => {
  it('peels percent-encoding layer by layer, tolerating malformed escapes', () => {
    expect(decodeComponent('%252e%252e%252f', false)).toBe('../');
    expect(decodeComponent('%25252e', false)).toBe('.');
    expect(decodeComponent('%zz%2', false)).toBe('%zz%2');
    expect(decodeComponent('%u002e%u002e/', false)).toBe('../');
    expect(decodeComponent('a+b', true)).toBe('a b');
    expect(decodeComponent('a+b', false)).toBe('a+b');
    expect(decodeComponent('\\x22\\x3E', false)).toBe('">');
  });

  it('splits a query into decoded names and values', () => {
    expect(decodeQuery('q=rock+%26+roll&page=2&flag')).toEqual(['q', 'rock & roll', 'page', '2', 'flag']);
    expect(decodeQuery("id=1' or '1'='1")).toEqual(['id', "1' or '1'='1"]);
  });
});
