/**
 * Classifier throughput on one core, against fail2ban-regex on the same input in the same run.
 *
 *   npm run bench:classifier            (add --lines N for the synthetic log size)
 *
 * Measures (1) the mixed sample corpus, test/fixtures/scenarios-sample/all.lines, and (2) a
 * synthetic sshd auth log of 200k lines written to a temporary file, and runs `fail2ban-regex` with
 * fail2ban's sshd filter over that same file. Bulwark's time covers reading the file and
 * classifying every line with one Classifier; fail2ban's is what it reports as processing time
 * (its start-up excluded), so the ratio is if anything generous to fail2ban.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Classifier } from '@bulwark/parsers';
import { syntheticSshdLog } from './lib/synthetic-sshd.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MIXED = path.join(ROOT, 'test/fixtures/scenarios-sample/all.lines');
const FAIL2BAN_FILTER = '/etc/fail2ban/filter.d/sshd.conf';
const RECEIVED_AT = '2026-11-23T00:00:00.000Z';
const RUNS = 5;

interface Measure {
  lines: number;
  seconds: number;
  failures: number;
}

/** Best of RUNS: read the file, split it, classify every line with a fresh classifier. */
function measureBulwark(file: string): Measure {
  let best = Number.POSITIVE_INFINITY;
  let lines = 0;
  let failures = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const started = process.hrtime.bigint();
    const text = readFileSync(file, 'utf8');
    const classifier = new Classifier();
    let count = 0;
    let failed = 0;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      if (end > start) {
        const event = classifier.classify({
          line: text.slice(start, end),
          received_at: RECEIVED_AT,
          id: 'b',
        });
        count += 1;
        if (event['bulwark.category'] === 'failed_login') failed += 1;
      }
      start = end + 1;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (seconds < best) best = seconds;
    lines = count;
    failures = failed;
  }
  return { lines, seconds: best, failures };
}

function measureFail2ban(file: string, lines: number): Measure {
  let output: string;
  try {
    output = execFileSync('fail2ban-regex', [file, FAIL2BAN_FILTER], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    throw new Error(
      `fail2ban-regex did not run (install it with: apt-get install fail2ban): ${String(error)}`,
    );
  }
  const seconds = Number(/\[processed in ([\d.]+) sec\]/.exec(output)?.[1]);
  const matched = Number(/Lines: \d+ lines, \d+ ignored, (\d+) matched/.exec(output)?.[1]);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`cannot read fail2ban-regex's timing:\n${output}`);
  return { lines, seconds, failures: matched };
}

const rate = (m: Measure) => m.lines / m.seconds;
const format = (n: number) => Math.round(n).toLocaleString('en-US');

const { values } = parseArgs({ options: { lines: { type: 'string', default: '200000' } } });
const syntheticLines = Number(values.lines);

const mixed = measureBulwark(MIXED);
process.stdout.write(
  `mixed corpus  ${format(mixed.lines)} lines  bulwark ${format(rate(mixed))} lines/s (${(mixed.seconds * 1000).toFixed(0)} ms)\n`,
);

const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-'));
try {
  const file = path.join(dir, 'auth.log');
  writeFileSync(file, `${syntheticSshdLog(syntheticLines).join('\n')}\n`);
  const ours = measureBulwark(file);
  const theirs = measureFail2ban(file, ours.lines);
  process.stdout.write(
    [
      `sshd log      ${format(ours.lines)} lines`,
      `  bulwark        ${format(rate(ours)).padStart(10)} lines/s  (${(ours.seconds * 1000).toFixed(0)} ms, ${format(ours.failures)} failed logins)`,
      `  fail2ban-regex ${format(rate(theirs)).padStart(10)} lines/s  (${(theirs.seconds * 1000).toFixed(0)} ms, ${format(theirs.failures)} matches)`,
      `  ratio          ${(rate(ours) / rate(theirs)).toFixed(1)}x`,
      '',
    ].join('\n'),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
