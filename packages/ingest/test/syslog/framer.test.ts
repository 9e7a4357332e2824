import { describe, expect, it } from 'vitest';
import { emptyFramerStats, type OversizedAction, SyslogFramer } from '../../src/syslog/framer.js';

function frame(
  chunks: readonly (string | Buffer)[],
  maxBytes = 1024,
  oversized: OversizedAction = 'truncate',
  end = true,
) {
  const lines: string[] = [];
  const stats = emptyFramerStats();
  const framer = new SyslogFramer(maxBytes, oversized, (line) => lines.push(line), stats);
  for (const chunk of chunks) framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  if (end) framer.end();
  return { lines, stats, framer };
}

/** Every way to cut `text` in two, plus byte by byte: the framing must not depend on chunking. */
function everySplit(text: string, maxBytes = 1024, oversized: OversizedAction = 'truncate') {
  const bytes = Buffer.from(text, 'utf8');
  const whole = frame([bytes], maxBytes, oversized);
  for (let cut = 1; cut < bytes.length; cut += 1) {
    const split = frame([bytes.subarray(0, cut), bytes.subarray(cut)], maxBytes, oversized);
    expect(split.lines, `cut at ${cut}`).toEqual(whole.lines);
    // Discarded bytes may differ by a count header's length, depending on where a chunk ends.
    expect({ ...split.stats, junkBytes: 0 }, `cut at ${cut}`).toEqual({ ...whole.stats, junkBytes: 0 });
  }
  const drip = frame(
    [...bytes].map((byte) => Buffer.from([byte])),
    maxBytes,
    oversized,
  );
  expect(drip.lines).toEqual(whole.lines);
  expect({ ...drip.stats, junkBytes: 0 }).toEqual({ ...whole.stats, junkBytes: 0 });
  return whole;
}

/**
 * After a wrong count, however the stream is cut, the framer counts a framing error and the frames
 * in `tail` arrive; what comes out of the bad frame itself depends on where the chunks end.
 */
function everySplitRecovers(text: string, tail: readonly string[]): void {
  const bytes = Buffer.from(text, 'utf8');
  const splits = [[bytes], [...bytes].map((byte) => Buffer.from([byte]))];
  for (let cut = 1; cut < bytes.length; cut += 1) splits.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  for (const [i, chunks] of splits.entries()) {
    const { lines, stats } = frame(chunks);
    expect(lines.slice(-tail.length), `split ${i}`).toEqual(tail);
    expect(stats.framingErrors, `split ${i}`).toBeGreaterThanOrEqual(1);
  }
}

const A = '<13>Jan 10 10:00:00 web1 sshd[1]: one';
const B = '<38>1 2024-05-01T10:00:00Z web1 sshd 2 - - two';

describe('SyslogFramer', () => {
  it('splits newline-delimited frames, stripping CR and skipping empty lines', () => {
    const { lines, stats } = everySplit(`${A}\n${B}\r\n\n\r\n${A}\n`);
    expect(lines).toEqual([A, B, A]);
    expect(stats).toEqual(emptyFramerStats());
  });

  it('takes NUL as a delimiter too, and emits a last line without LF at the end of the stream', () => {
    const { lines } = everySplit(`${A}\0${B}\0${A}`);
    expect(lines).toEqual([A, B, A]);
  });

  it('reads octet-counted frames, with or without a trailing LF, and keeps LFs inside a frame', () => {
    const multi = `${A}\nsecond line`;
    const text = `${Buffer.byteLength(A)} ${A}${Buffer.byteLength(B)} ${B}\n${Buffer.byteLength(multi)} ${multi}`;
    const { lines, stats } = everySplit(text);
    expect(lines).toEqual([A, B, multi]);
    expect(stats).toEqual(emptyFramerStats());
  });

  it('keeps a BOM and non-ASCII text intact', () => {
    const msg = '<14>1 2024-05-01T10:00:00Z h app - - - \uFEFFGrüße, 世界';
    const { lines } = everySplit(`${Buffer.byteLength(msg)} ${msg}`);
    expect(lines).toEqual([msg]);
  });

  it('cuts an oversized line and goes on with the next one', () => {
    const long = `<13>${'x'.repeat(100)}`;
    const { lines, stats } = everySplit(`${long}\n${A}\n`, 32);
    expect(lines).toEqual([long.slice(0, 32), A.slice(0, 32)]);
    expect(stats.oversized).toBe(2);
  });

  it('drops an oversized line when told to', () => {
    const long = `<13>${'x'.repeat(100)}`;
    const { lines, stats } = everySplit(`${long}\n<13>short\n`, 32, 'drop');
    expect(lines).toEqual(['<13>short']);
    expect(stats.oversized).toBe(1);
    expect(stats.oversizedDropped).toBe(1);
  });

  it('stays in step after an oversized octet-counted frame, cut or dropped', () => {
    const long = `<13>${'y'.repeat(200)}`;
    const text = `${long.length} ${long}${A.length} ${A}`;
    expect(everySplit(text, 64).lines).toEqual([long.slice(0, 64), A]);
    const dropped = everySplit(text, 64, 'drop');
    expect(dropped.lines).toEqual([A]);
    expect(dropped.stats.oversizedDropped).toBe(1);
  });

  it('skips a huge declared count without buffering it', () => {
    const size = 10 * 1024 * 1024;
    const chunks: Buffer[] = [Buffer.from(`${size} <13>`)];
    let left = size - 4;
    while (left > 0) {
      const n = Math.min(left, 65536);
      chunks.push(Buffer.alloc(n, 0x7a));
      left -= n;
    }
    chunks.push(Buffer.from(`${A.length} ${A}`));
    const { lines, stats, framer } = frame(chunks, 65536, 'truncate', false);
    expect(lines.length).toBe(2);
    expect(lines[0]?.length).toBe(65536);
    expect(lines[1]).toBe(A);
    expect(stats.oversized).toBe(1);
    expect(framer.buffered).toBe(0);
  });

  it('resynchronises after a count that is too large, at the next header', () => {
    const text = `${A.length + 10} ${A}${B.length} ${B}${A.length} ${A}${B.length} ${B}`;
    // In one chunk the bad count is caught at once (what follows it cannot start a frame): the first
    // frame is dropped, the second found. Cut elsewhere, the frame may go through with 10 extra bytes.
    expect(frame([text]).lines).toEqual([B, A, B]);
    everySplitRecovers(text, [A, B]);
  });

  it('resynchronises when messages end in digits that run into the next count', () => {
    const m = (n: number) => `<34>1 2024-05-01T10:00:00Z h sshd 77 - - port 22 ssh2 seq ${n}`;
    const octet = (text: string, delta = 0) => `${Buffer.byteLength(text) + delta} ${text}`;
    const text = octet(m(1), 12) + [2, 3, 4, 5].map((n) => octet(m(n))).join('');
    everySplitRecovers(text, [m(3), m(4), m(5)]);
    // A slow sender: each frame in a chunk of its own.
    const slow = frame([octet(m(1), 12), octet(m(2)), octet(m(3)), octet(m(4))]);
    expect(slow.lines.slice(-2)).toEqual([m(3), m(4)]);
  });

  it('recovers from random wrong counts in randomly chunked streams', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let later = 0;
    let lost = 0;
    for (let round = 0; round < 500; round += 1) {
      const messages = Array.from(
        { length: 30 },
        (_, i) =>
          `<${random(191)}>1 2024-05-01T10:00:00Z h${random(99)} sshd ${random(9999)} - - msg ${round}-${i} port ${random(65535)}`,
      );
      const bad = random(10);
      const text = messages
        .map((m, i) => {
          const wrong = i === bad ? (random(2) ? 1 : -1) * (1 + random(40)) : 0;
          return `${Buffer.byteLength(m) + wrong} ${m}`;
        })
        .join('');
      const bytes = Buffer.from(text);
      const lines = new Set<string>();
      const framer = new SyslogFramer(65536, 'truncate', (line) => lines.add(line), emptyFramerStats());
      for (let p = 0; p < bytes.length; ) {
        const n = 1 + random(400);
        framer.push(bytes.subarray(p, p + n));
        p += n;
        if (framer.unsettled && random(3) === 0) framer.settle();
      }
      framer.end();
      // Frames well after the bad one: nearly all of them arrive.
      const after = messages.slice(bad + 3);
      later += after.length;
      lost += after.filter((m) => !lines.has(m)).length;
    }
    expect(lost / later).toBeLessThan(0.03);
  });

  it('resynchronises after a count that is too small', () => {
    const text = `10 ${A}\n${B.length} ${B}`;
    expect(frame([text]).lines).toEqual([B]);
    everySplitRecovers(text, [B]);
  });

  it('reads a line that begins with digits as a line when the connection is newline-framed', () => {
    const { lines } = everySplit('2024-05-01 10:00:00 app started\n<13>next\n');
    expect(lines).toEqual(['2024-05-01 10:00:00 app started', '<13>next']);
  });

  it('counts an octet-counted frame cut short by the end of the stream', () => {
    const { lines, stats } = frame([`${A.length} ${A}`, `100 <13>part`]);
    expect(lines).toEqual([A]);
    expect(stats.incomplete).toBe(1);
  });

  it('never throws on random bytes and keeps memory bounded', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let round = 0; round < 50; round += 1) {
      const chunks: Buffer[] = [];
      for (let c = 0; c < 20; c += 1) {
        const chunk = Buffer.alloc(1 + (random() % 3000));
        for (let i = 0; i < chunk.length; i += 1) chunk[i] = random() & 0xff;
        chunks.push(chunk);
      }
      const lines: string[] = [];
      const framer = new SyslogFramer(512, 'truncate', (line) => lines.push(line), emptyFramerStats());
      for (const chunk of chunks) {
        framer.push(chunk);
        expect(framer.buffered).toBeLessThanOrEqual(512 + 16);
      }
      framer.end();
      for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(512 * 3);
    }
  });

  it('stays linear on a hostile drip of one unterminated line', () => {
    const framer = new SyslogFramer(65536, 'truncate', () => {}, emptyFramerStats());
    const byte = Buffer.from('a');
    const started = performance.now();
    for (let i = 0; i < 200_000; i += 1) framer.push(byte);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stays linear on junk full of almost-headers', () => {
    const stats = emptyFramerStats();
    const framer = new SyslogFramer(65536, 'truncate', () => {}, stats);
    framer.push(Buffer.from(`${A.length} ${A}`));
    const junk = Buffer.from('x1 <x'.repeat(200_000));
    const started = performance.now();
    framer.push(junk);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(stats.framingErrors).toBe(1);
  });
});
