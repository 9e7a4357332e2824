import { Classifier } from '@bulwark/parsers';
import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { fail2banLogsDir, readSamples, type Sample } from '../support/fail2ban-samples.js';

/**
 * fail2ban's annotated sample logs as an external conformance suite (read at test time: they are
 * GPL and are never copied here). Every line fail2ban counts as a failure must come out as a failed
 * login, or as malicious traffic where that is what the line shows, with the annotated address
 * and user; no line fail2ban leaves alone may come out as a failed login. Bulwark is judged under
 * fail2ban's normal mode where a block runs it, and reports what the other modes count (probes,
 * scans) as malicious traffic.
 */

interface Suite {
  /** Sample file, and the fail2ban filter it belongs to (it decides `test.condition`s). */
  file: string;
  filter?: string;
  /** What a counted line may come out as. */
  counted: readonly SecurityEvent['bulwark.category'][];
  /**
   * Whether to check the annotated time too. Year-less syslog samples carry fail2ban's own guess of
   * the year, so only the web logs, which write their year, are checked.
   */
  checkTime?: boolean;
}

const SUITES: Suite[] = [
  { file: 'sshd', counted: ['failed_login', 'malicious_traffic'] },
  { file: 'sshd-journal', filter: 'sshd', counted: ['failed_login', 'malicious_traffic'] },
  { file: 'vsftpd', counted: ['failed_login'] },
  { file: 'proftpd', counted: ['failed_login'] },
  { file: 'pure-ftpd', counted: ['failed_login'] },
  { file: 'apache-auth', counted: ['failed_login'], checkTime: true },
  { file: 'nginx-http-auth', counted: ['failed_login'], checkTime: true },
  { file: 'apache-botsearch', counted: ['malicious_traffic', 'failed_login'], checkTime: true },
  { file: 'nginx-botsearch', counted: ['malicious_traffic', 'failed_login'], checkTime: true },
];

/** A CLF timestamp with its zone: fail2ban annotates the wall-clock time, Bulwark gives UTC. */
const ZONED = /\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/;
/** A syslog timestamp without a year: its year is fail2ban's guess. */
const YEARLESS = /^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} /;

/** Lines where Bulwark deliberately differs from fail2ban, by file and the line's text. */
const EXCEPTIONS: { file: string; line: string; why: string }[] = [
  ...['sshd', 'sshd-journal'].flatMap((file) => [
    {
      file,
      line: 'Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2',
      why:
        'Ambiguous by construction: an invalid user named "test from 127.0.0.1 port 58946 ssh2:" writes the same ' +
        'line. Bulwark always takes the last address, so a chosen user name can never put the blame on another ' +
        'address; password failures carry no auth-info of their own, so the text after "ssh2:" is the client\'s.',
    },
    {
      file,
      line: 'Accepted password for known from 192.0.2.114 port 52100 ssh2',
      why:
        'A successful login is reported as one (successful_login). The failed attempt before it in the same ' +
        'session is its own failed_login event, and the rules correlate failures with a later success.',
    },
    {
      file,
      line: 'Accepted password for known from 192.0.2.116 port 52100 ssh2',
      why: 'A successful login is reported as one (successful_login), as above.',
    },
  ]),
  {
    file: 'sshd',
    line: 'Connection closed by invalid user  192.0.2.68 port 34916 [preauth]',
    why:
      'fail2ban counts this disconnect again in its ddos/aggressive modes after the "Invalid user" line of the ' +
      'same session; Bulwark counts the attempt once, at "Invalid user".',
  },
  {
    file: 'apache-auth',
    line: '[evasive20:error] [pid 22589] [client 192.0.2.1:56175] client denied by server configuration: /path/index.php, referer: https://hostname/path/',
    why:
      "mod_evasive refuses request floods, not credentials. fail2ban's normal mode ignores the line and its " +
      'aggressive mode counts it; Bulwark reports failed logins as normal mode does (the same line is annotated ' +
      'both ways) and leaves floods to the request_flood rule.',
  },
  {
    file: 'vsftpd',
    line: 'vsftpd(pam_unix)[15522]: authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=64.168.103.1 user=user1',
    why: "A real failed login in the pre-0.99.2.0 PAM tag form, which fail2ban's filter does not read. Bulwark reads it.",
  },
];

function exceptionFor(sample: Sample) {
  return EXCEPTIONS.find(
    (exception) => exception.file === sample.file && sample.line.endsWith(exception.line),
  );
}

function verdict(sample: Sample, event: SecurityEvent, suite: Suite): string | null {
  const category = event['bulwark.category'];
  if (!sample.match)
    return category === 'failed_login' ? `not a failure for fail2ban, but ${event['event.action']}` : null;
  if (!suite.counted.includes(category)) return `expected ${suite.counted.join(' or ')}, got ${category}`;
  const address = event['source.ip'] ?? event['source.address'];
  if (sample.host !== undefined && address !== sample.host)
    return `address ${address} instead of ${sample.host}`;
  if (sample.user !== undefined && (event['user.name'] ?? '') !== sample.user) {
    return `user ${event['user.name']} instead of ${sample.user}`;
  }
  const time = sample.time;
  if (suite.checkTime && time !== undefined && !ZONED.test(sample.line) && !YEARLESS.test(sample.line)) {
    if (!event['@timestamp'].startsWith(time)) return `time ${event['@timestamp']} instead of ${time}`;
  }
  return null;
}

describe("fail2ban's annotated samples", () => {
  const dir = fail2banLogsDir();
  for (const suite of SUITES) {
    it(`${suite.file}: every annotated line, with the exceptions listed`, () => {
      const samples = readSamples(dir, suite.file, suite.filter ?? suite.file).filter(
        (sample) => sample.applies,
      );
      expect(samples.length).toBeGreaterThan(0);
      const classifier = new Classifier();
      const failures: string[] = [];
      const excepted = new Set<string>();
      const tally = { counted: 0, countedAgree: 0, left: 0, leftAgree: 0 };
      for (const sample of samples) {
        const event = classifier.classify({
          line: sample.line,
          received_at: '2026-11-23T00:00:00.000Z',
          id: 'f2b',
        });
        const problem = verdict(sample, event, suite);
        const exception = exceptionFor(sample);
        if (sample.match) tally.counted += 1;
        else tally.left += 1;
        if (exception && problem !== null) {
          excepted.add(exception.line);
          continue;
        }
        if (problem !== null) failures.push(`${sample.file}:${sample.lineNo} ${problem}\n    ${sample.line}`);
        else if (sample.match) tally.countedAgree += 1;
        else tally.leftAgree += 1;
      }
      expect(failures).toEqual([]);
      // Each exception must still be needed: if Bulwark came to agree with fail2ban, drop it.
      const listed = EXCEPTIONS.filter((exception) => exception.file === suite.file).map((e) => e.line);
      expect([...excepted].sort()).toEqual([...new Set(listed)].sort());
      process.stdout.write(
        `${suite.file}: counted lines ${tally.countedAgree}/${tally.counted} agree, left-alone lines ` +
          `${tally.leftAgree}/${tally.left} agree, ${excepted.size} listed exception(s)\n`,
      );
    });
  }
});
