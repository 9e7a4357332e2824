import { Classifier, UTC } from '@bulwark/parsers';
import { describe, expect, it } from 'vitest';
import { createWebLineParsers, createWebProgramParsers, detectThreats } from '../../src/web/index.js';

/**
 * Hostile input: the web parsers run on every line that is not syslog, and on requests chosen by
 * attackers. None may throw, and none may take more than linear time on a large line.
 */
const MB = 1 << 20;
const TIME = { referenceMs: Date.parse('2026-11-23T00:00:00Z'), zone: UTC };
const HEAD = '1.2.3.4 - - [20/Nov/2026:00:00:00 +0000] "GET ';

const hostile: [string, string][] = [
  ['garbage', 'x'.repeat(MB)],
  ['spaces and brackets', ' ['.repeat(MB / 2)],
  ['quotes and backslashes', '\\"'.repeat(MB / 2)],
  ['a huge request line', `${HEAD}/${'a'.repeat(MB)} HTTP/1.1" 200 1 "-" "-"`],
  ['an unterminated request', `${HEAD}/${'\\"'.repeat(MB / 2)}`],
  ['a huge query of separators', `${HEAD}/?${'=&'.repeat(MB / 2)} HTTP/1.1" 200 1`],
  ['a huge query of encodings', `${HEAD}/?q=${'%25'.repeat(MB / 3)} HTTP/1.1" 200 1`],
  ['a huge traversal', `${HEAD}/${'../'.repeat(MB / 3)} HTTP/1.1" 404 1`],
  ['a huge injection', `${HEAD}/?id=${"1' or '1'='1 ".repeat(MB / 14)} HTTP/1.1" 200 1`],
  ['a huge xss', `${HEAD}/?q=${'<svg onload=alert(1)>'.repeat(MB / 20)} HTTP/1.1" 200 1`],
  ['a huge agent', `${HEAD}/ HTTP/1.1" 200 1 "-" "${'Mozilla '.repeat(MB / 8)}"`],
  ['many dots', `${HEAD}/${'.'.repeat(MB)} HTTP/1.1" 404 1`],
  ['many equals', `${HEAD}/?a=${'='.repeat(MB)} HTTP/1.1" 200 1`],
  ['apache error garbage', `[Thu Jul 11 01:21:43 2013] [error] [client ${'['.repeat(MB)}`],
  ['apache user name', `[Thu Jul 11 01:21:43 2013] [error] [client 1.2.3.4] user ${'a '.repeat(MB / 2)}`],
  ['nginx clients', `2012/04/09 11:53:29 [error] 1#0: *1 user "${', client: '.repeat(MB / 10)}`],
  [
    'nginx user quotes',
    `2012/04/09 11:53:29 [error] 1#0: *1 user "${'":'.repeat(MB / 2)}, client: 1.2.3.4, server: x`,
  ],
  [
    'nginx open()',
    `2012/04/09 11:53:29 [error] 1#0: *1 open() "${'" failed'.repeat(MB / 8)}, client: 1.2.3.4, server: x`,
  ],
  ['binary', String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => i % 256)).repeat(256)],
];

describe('hostile input', () => {
  const parsers = createWebLineParsers();
  for (const [name, line] of hostile) {
    it(`survives ${name} in linear time`, () => {
      const started = performance.now();
      for (const parser of parsers) expect(() => parser.parse(line, TIME)).not.toThrow();
      const event = new Classifier().classify({ line, received_at: '2026-11-23T00:00:00.000Z', id: 'h' });
      expect(event.message).toBe(line);
      expect(performance.now() - started).toBeLessThan(1500);
    });
  }

  it('still judges a large request that carries an attack early', () => {
    const event = new Classifier().classify({
      line: `${HEAD}/?id=1%27%20OR%20%271%27%3D%271&pad=${'a'.repeat(MB)} HTTP/1.1" 200 1`,
      received_at: '2026-11-23T00:00:00.000Z',
      id: 'h',
    });
    expect(event['bulwark.threat']).toEqual(['sqli']);
  });

  it('never throws from detection or the syslog reader', () => {
    const [program] = createWebProgramParsers();
    for (const [, line] of hostile) {
      expect(() => detectThreats({ path: line, query: line, userAgent: line, missing: true })).not.toThrow();
      expect(() => program?.parse({ timeMs: 0, program: 'nginx', message: line })).not.toThrow();
    }
  });
});
