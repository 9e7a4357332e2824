/**
 * RFC 6587 framing of a syslog byte stream (TCP or TLS), without regular expressions and without
 * copying a frame that lies inside one chunk: the text of each frame is decoded straight from the
 * chunk it arrived in. Only a frame cut by a chunk boundary is gathered in a buffer of its own.
 *
 * Framing is detected per frame, as rsyslog does: a frame that starts with `<digits> ` (at most ten
 * digits, the first non-zero) is octet-counted, anything else runs to the next LF or NUL. LF, CR and
 * NUL bytes between frames are skipped. Once a connection has sent an octet-counted frame it is taken
 * to be octet-counting: a frame start that is not a count then means the stream lost step (a wrong
 * count, garbage), and the framer drops bytes up to the next LF or NUL or the next place that reads
 * `<digits> <PRI>`, whichever comes first, counting one framing error. A count is also checked
 * whenever the bytes after its frame are at hand: if they cannot start a frame, the count is wrong
 * and the stream is resynchronised there instead of trusting it. After a wrong count, the frame
 * itself and usually the next one are lost (or, when the frame ended with its chunk, delivered with
 * extra bytes); later frames arrive. A resync candidate that only later bytes can confirm is held
 * (at most `RESYNC_WINDOW` bytes) until they come, the stream ends, or the caller calls `settle()`.
 *
 * Size limit: a frame longer than `maxBytes` is counted as oversized and either cut to its first
 * `maxBytes` bytes or dropped; the rest of it is discarded without being buffered (an octet-counted
 * frame by its declared length, so a truthful huge count keeps the stream in step; a line up to its
 * LF or NUL). Memory per connection therefore stays below `maxBytes` plus one header.
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const LT = 0x3c;
const GT = 0x3e;
const D0 = 0x30;
const D1 = 0x31;
const D9 = 0x39;

/** At most ten digits of octet count: up to 9,999,999,999, more than any sender needs. */
const MAX_COUNT_DIGITS = 10;
/** How many bytes a resynchronising stream may hold while it judges a header candidate. */
const RESYNC_WINDOW = 4096;
const WAIT = -2;

export type OversizedAction = 'truncate' | 'drop';

/** What the framer counts; it increments these fields in place. */
export interface FramerStats {
  /** Frames longer than the limit (cut or dropped, per `OversizedAction`). */
  oversized: number;
  /** Frames dropped whole because they were too long (`OversizedAction` `drop`). */
  oversizedDropped: number;
  /** Times an octet-counting stream lost step and was resynchronised. */
  framingErrors: number;
  /** Bytes thrown away while resynchronising. */
  junkBytes: number;
  /** Frames cut short by the end of the stream (an octet-counted frame whose bytes never came). */
  incomplete: number;
}

export function emptyFramerStats(): FramerStats {
  return { oversized: 0, oversizedDropped: 0, framingErrors: 0, junkBytes: 0, incomplete: 0 };
}

enum State {
  /** Between frames. */
  Start = 0,
  /** Inside an octet-counted frame; `remaining` bytes of it still to keep. */
  Octet = 1,
  /** Inside a newline-delimited frame. */
  Line = 2,
  /** Discarding `remaining` bytes: the tail of an oversized octet-counted frame. */
  SkipCount = 3,
  /** Discarding up to the next LF or NUL: the tail of an oversized line. */
  SkipLine = 4,
  /** Resynchronising an octet-counting stream. */
  Junk = 5,
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= D0 && byte <= D9;
}

/**
 * Whether a frame can start at `pos` by the loose test used on every frame: a delimiter, or digits
 * then a space (or the end of `data` before either is known).
 */
function nextFrameMayStart(data: Buffer, pos: number): boolean {
  const byte = data[pos] as number;
  if (byte === LF || byte === CR || byte === NUL) return true;
  if (byte < D1 || byte > D9) return false;
  let i = pos + 1;
  while (i < data.length && i - pos < MAX_COUNT_DIGITS && isDigit(data[i])) i += 1;
  return i === data.length || data[i] === SP;
}

const YES = 1;
const NO = 0;
const UNKNOWN = -1;

/**
 * Whether a frame can start at `pos`: YES at the end of `data`, at a delimiter, or at a header
 * `<digits> <PRI>`; UNKNOWN when `data` ends before that can be told; NO otherwise.
 */
function frameCanStartAt(data: Buffer, pos: number): number {
  if (pos === data.length) return YES;
  const byte = data[pos] as number;
  if (byte === LF || byte === CR || byte === NUL) return YES;
  if (byte < D1 || byte > D9) return NO;
  let i = pos + 1;
  while (i < data.length && i - pos < MAX_COUNT_DIGITS && isDigit(data[i])) i += 1;
  if (i === data.length) return UNKNOWN;
  if (data[i] !== SP) return NO;
  i += 1;
  if (i === data.length) return UNKNOWN;
  if (data[i] !== LT) return NO;
  const pri = i + 1;
  i = pri;
  while (i < data.length && i - pri < 3 && isDigit(data[i])) i += 1;
  if (i === data.length) return UNKNOWN;
  return i > pri && data[i] === GT ? YES : NO;
}

/**
 * Splits one connection's byte stream into syslog messages. Not thread-safe, one per connection.
 * `emit` receives each message as text (UTF-8, invalid bytes replaced), with trailing CR and LF
 * removed; empty frames are not emitted. Never throws on any input.
 */
export class SyslogFramer {
  private state: State = State.Start;
  /** Bytes of an unfinished frame (or header, or resync window) carried over from earlier chunks. */
  private pending: Buffer | null = null;
  private pendingLength = 0;
  /** Octet: bytes still to keep. SkipCount: bytes still to discard. */
  private remaining = 0;
  /** Octet: bytes to discard once the kept part is complete (an oversized frame's tail). */
  private skipAfter = 0;
  /** The connection has sent an octet-counted frame, so it is taken to be octet-counting. */
  private octetSeen = false;
  /** Cached next positions of LF / NUL in `cacheData`; -1 means none at or after the position. */
  private cacheData: Buffer | null = null;
  private nextLf = 0;
  private nextNul = 0;
  /** Junk: where the header candidate that needs more bytes starts. */
  private waitFrom = 0;
  /** The stream is over: a resync candidate is judged on what there is. */
  private final = false;
  /** Bytes to scan again after a count proved wrong (see `continueOctet`). */
  private rescan: Buffer | null = null;

  constructor(
    private readonly maxBytes: number,
    private readonly oversized: OversizedAction,
    private readonly emit: (line: string) => void,
    private readonly stats: FramerStats,
  ) {}

  /** Bytes held for an unfinished frame. */
  get buffered(): number {
    return this.pendingLength;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.cacheData = null;
    let data = chunk;
    let pos = 0;
    if (this.pendingLength > 0) {
      switch (this.state) {
        case State.Octet:
          pos = this.continueOctet(chunk);
          if (pos < 0) {
            // The count proved wrong: read the frame's bytes again, resynchronising.
            data = this.rescan ?? chunk;
            this.rescan = null;
            pos = 0;
          }
          break;
        case State.Line:
          pos = this.continueLine(chunk);
          break;
        default:
          // A partial count header or a resync window: a few bytes, so joining them is cheap.
          data = Buffer.concat([this.takePending(), chunk]);
          break;
      }
    }
    if (pos < data.length) this.scan(data, pos);
  }

  /** Whether a resynchronising stream holds bytes it has not judged yet (see `settle`). */
  get unsettled(): boolean {
    return this.state === State.Junk && this.pendingLength > 0;
  }

  /**
   * Judges held resync bytes on what there is, as if no more were coming: for a sender that paused
   * (the caller calls this after a short quiet spell) or ended the stream.
   */
  settle(): void {
    if (!this.unsettled) return;
    this.final = true;
    this.cacheData = null;
    const pending = Buffer.from(this.takePending());
    this.scan(pending, 0);
    this.final = false;
  }

  /**
   * The stream ended: a newline frame without its final LF is still a message and is emitted; an
   * octet-counted frame whose bytes never all came is counted as incomplete and dropped.
   */
  end(): void {
    if (this.state === State.Octet && this.pendingLength > 0 && this.octetSeen) {
      // A frame the stream ended inside: its count may have been wrong and swallowed frames that
      // followed. Look for them in its bytes.
      this.stats.incomplete += 1;
      this.state = State.Junk;
      this.remaining = 0;
      this.skipAfter = 0;
    }
    this.settle();
    if (this.state === State.Line && this.pendingLength > 0) {
      const pending = this.takePending();
      this.emitRange(pending, 0, pending.length);
    } else if (this.state === State.Octet) {
      this.stats.incomplete += 1;
    } else if (this.pendingLength > 0 && this.state === State.Start) {
      // A dangling count header without its message.
      this.stats.incomplete += 1;
    }
    this.pending = null;
    this.pendingLength = 0;
    this.state = State.Start;
  }

  /**
   * The connection broke off (reset, timeout, shutdown): a frame it was in the middle of will never
   * be finished and is counted as incomplete, not emitted.
   */
  abort(): void {
    if (this.state === State.Octet || (this.pendingLength > 0 && this.state !== State.Junk)) {
      this.stats.incomplete += 1;
    }
    this.pending = null;
    this.pendingLength = 0;
    this.state = State.Start;
  }

  private scan(data: Buffer, start: number): void {
    const end = data.length;
    let pos = start;
    while (pos < end) {
      switch (this.state) {
        case State.Start: {
          const byte = data[pos] as number;
          if (byte === LF || byte === CR || byte === NUL) {
            pos += 1;
            continue;
          }
          if (byte >= D1 && byte <= D9) {
            let i = pos + 1;
            let count = byte - D0;
            while (i < end && i - pos < MAX_COUNT_DIGITS && isDigit(data[i])) {
              count = count * 10 + ((data[i] as number) - D0);
              i += 1;
            }
            if (i === end) {
              // The header may go on in the next chunk.
              this.keep(data, pos, end);
              return;
            }
            if (data[i] === SP) {
              this.octetSeen = true;
              // When the frame ends inside this chunk, what follows it must be able to start a
              // frame; if not, the count is wrong (often a digit left over from a bad count before,
              // run into this header): resynchronise here instead of trusting it.
              const frameEnd = i + 1 + count;
              if (frameEnd < end && !nextFrameMayStart(data, frameEnd)) {
                this.stats.framingErrors += 1;
                this.state = State.Junk;
                continue;
              }
              pos = i + 1;
              this.beginOctet(count);
              continue;
            }
          }
          if (this.octetSeen) {
            this.stats.framingErrors += 1;
            this.state = State.Junk;
            continue;
          }
          this.state = State.Line;
          continue;
        }
        case State.Octet: {
          const available = end - pos;
          if (available < this.remaining) {
            this.keep(data, pos, end);
            this.remaining -= available;
            return;
          }
          const frameEnd = pos + this.remaining;
          if (frameEnd < end && this.skipAfter === 0 && !nextFrameMayStart(data, frameEnd)) {
            // The count proved wrong (a frame that began at the very end of the last chunk).
            this.stats.framingErrors += 1;
            this.remaining = 0;
            this.state = State.Junk;
            continue;
          }
          this.emitRange(data, pos, frameEnd);
          pos = frameEnd;
          this.finishOctet();
          continue;
        }
        case State.Line: {
          const stop = this.findDelimiter(data, pos);
          if (stop === -1) {
            if (end - pos > this.maxBytes) {
              this.oversizedLine(data, pos);
              this.state = State.SkipLine;
              return;
            }
            this.keep(data, pos, end);
            return;
          }
          if (stop - pos > this.maxBytes) this.oversizedLine(data, pos);
          else this.emitRange(data, pos, stop);
          pos = stop + 1;
          this.state = State.Start;
          continue;
        }
        case State.SkipCount: {
          const available = end - pos;
          if (available < this.remaining) {
            this.remaining -= available;
            return;
          }
          pos += this.remaining;
          this.remaining = 0;
          this.state = State.Start;
          continue;
        }
        case State.SkipLine: {
          const stop = this.findDelimiter(data, pos);
          if (stop === -1) return;
          pos = stop + 1;
          this.state = State.Start;
          continue;
        }
        case State.Junk: {
          const next = this.resync(data, pos);
          if (next < 0) {
            // No place to pick up again yet. Keep what may be the start of a header cut by the chunk
            // boundary: the candidate waiting for more bytes, or else a short tail.
            const from = next === WAIT ? this.waitFrom : Math.max(pos, end - (MAX_COUNT_DIGITS + 6));
            this.stats.junkBytes += from - pos;
            this.keep(data, from, end);
            return;
          }
          this.stats.junkBytes += next - pos;
          pos = next;
          this.state = State.Start;
          continue;
        }
      }
    }
  }

  /**
   * Octet state with a partial frame pending: completes it from the head of `chunk`. Returns where
   * to go on in `chunk`, or -1 when what follows the completed frame cannot start a frame (the count
   * was wrong): then the frame's bytes and the rest of `chunk` are left in `rescan`, in Junk state.
   */
  private continueOctet(chunk: Buffer): number {
    const take = Math.min(this.remaining, chunk.length);
    this.append(chunk, 0, take);
    this.remaining -= take;
    if (this.remaining > 0) return chunk.length;
    const frame = this.takePending();
    if (take < chunk.length && this.skipAfter === 0 && !nextFrameMayStart(chunk, take)) {
      this.stats.framingErrors += 1;
      this.state = State.Junk;
      this.rescan = Buffer.concat([frame, chunk.subarray(take)]);
      return -1;
    }
    this.emitRange(frame, 0, frame.length);
    this.finishOctet();
    return take;
  }

  /** Line state with a partial line pending: completes it from the head of `chunk`. */
  private continueLine(chunk: Buffer): number {
    const stop = this.findDelimiter(chunk, 0);
    const room = this.maxBytes - this.pendingLength;
    if (stop === -1 || stop > room) {
      if (chunk.length < room && stop === -1) {
        this.append(chunk, 0, chunk.length);
        return chunk.length;
      }
      // Oversized: the pending part plus this chunk reach the limit before a delimiter.
      this.append(chunk, 0, Math.min(room, chunk.length));
      const frame = this.takePending();
      this.oversizedLine(frame, 0);
      if (stop === -1) {
        this.state = State.SkipLine;
        return chunk.length;
      }
      this.state = State.Start;
      return stop + 1;
    }
    this.append(chunk, 0, stop);
    const frame = this.takePending();
    this.emitRange(frame, 0, frame.length);
    this.state = State.Start;
    return stop + 1;
  }

  private beginOctet(count: number): void {
    if (count <= this.maxBytes) {
      this.remaining = count;
      this.skipAfter = 0;
    } else {
      this.stats.oversized += 1;
      if (this.oversized === 'drop') {
        this.stats.oversizedDropped += 1;
        this.remaining = 0;
        this.skipAfter = count;
      } else {
        this.remaining = this.maxBytes;
        this.skipAfter = count - this.maxBytes;
      }
    }
    this.state = State.Octet;
    if (this.remaining === 0) this.finishOctet();
  }

  private finishOctet(): void {
    this.remaining = 0;
    if (this.skipAfter > 0) {
      this.remaining = this.skipAfter;
      this.skipAfter = 0;
      this.state = State.SkipCount;
    } else {
      this.state = State.Start;
    }
  }

  /** A line longer than the limit starting at `pos`: emits its first `maxBytes` bytes, or drops it. */
  private oversizedLine(data: Buffer, pos: number): void {
    this.stats.oversized += 1;
    if (this.oversized === 'drop') {
      this.stats.oversizedDropped += 1;
      return;
    }
    this.emitRange(data, pos, Math.min(data.length, pos + this.maxBytes));
  }

  /**
   * Where an octet-counting stream can pick up again at or after `pos`: just past the next LF or NUL,
   * or at the next `<digits> <PRI>` header, whichever comes first; -1 when neither is in `data`;
   * `WAIT` when a header candidate needs more bytes to be judged (from `waitFrom`).
   */
  private resync(data: Buffer, pos: number): number {
    const delimiter = this.findDelimiter(data, pos);
    const limit = delimiter === -1 ? data.length : delimiter;
    let lt = data.indexOf(LT, pos + 2);
    while (lt !== -1 && lt < limit) {
      const header = this.headerBefore(data, pos, lt);
      if (header !== -1) return header;
      lt = data.indexOf(LT, lt + 1);
    }
    return delimiter === -1 ? -1 : delimiter + 1;
  }

  /**
   * Given a `<` at `lt`, the start of a `<digits> <PRI>` header ending there, -1 when it is none, or
   * `WAIT` (setting `waitFrom`). The digits before the space may run on from the end of the previous
   * message (`... ssh2` then `65 <34>...`), so each suffix of the digit run is tried as the count,
   * shortest first: the first whose frame ends exactly at the end of `data` or where another frame
   * can start wins. When the frame of a longer one runs past the end of `data`, the framer waits for
   * more bytes, up to `RESYNC_WINDOW` of them; past that, it takes the shortest such candidate.
   */
  private headerBefore(data: Buffer, floor: number, lt: number): number {
    if (data[lt - 1] !== SP) return -1;
    let i = lt + 1;
    while (i < data.length && i - lt <= 3 && isDigit(data[i])) i += 1;
    let first = lt - 1;
    while (first - 1 >= floor && lt - 1 - (first - 1) <= MAX_COUNT_DIGITS && isDigit(data[first - 1]))
      first -= 1;
    if (first === lt - 1) return -1;
    if (i === data.length && i - lt <= 3) return this.wait(data, first, -1);
    if (i === lt + 1 || data[i] !== GT) return -1;
    let fallback = -1;
    let count = 0;
    let scale = 1;
    for (let start = lt - 2; start >= first; start -= 1) {
      count += ((data[start] as number) - D0) * scale;
      scale *= 10;
      if (data[start] === D0) continue;
      const end = lt + count;
      const next = end < data.length ? frameCanStartAt(data, end) : UNKNOWN;
      // A frame that ends with the data is taken when its count is the whole digit run, or when no
      // more data is coming; otherwise it may yet prove to end inside a message.
      const endsWithData = end === data.length && (start === first || this.final);
      if (next === YES || endsWithData) {
        return fallback === -1 || this.final ? start : this.wait(data, first, fallback);
      }
      if (next === UNKNOWN && fallback === -1) fallback = start;
    }
    return fallback === -1 ? -1 : this.wait(data, first, fallback);
  }

  /** Waits for more bytes from `from`, unless the window is full or the stream over: then `fallback`. */
  private wait(data: Buffer, from: number, fallback: number): number {
    if (this.final || data.length - from >= RESYNC_WINDOW) return fallback;
    this.waitFrom = from;
    return WAIT;
  }

  /** Index of the next LF or NUL at or after `pos` in `data`, or -1. Linear over a chunk. */
  private findDelimiter(data: Buffer, pos: number): number {
    if (this.cacheData !== data) {
      this.cacheData = data;
      this.nextLf = data.indexOf(LF, pos);
      this.nextNul = data.indexOf(NUL, pos);
    } else {
      if (this.nextLf !== -1 && this.nextLf < pos) this.nextLf = data.indexOf(LF, pos);
      if (this.nextNul !== -1 && this.nextNul < pos) this.nextNul = data.indexOf(NUL, pos);
    }
    if (this.nextLf === -1) return this.nextNul;
    if (this.nextNul === -1) return this.nextLf;
    return Math.min(this.nextLf, this.nextNul);
  }

  private emitRange(data: Buffer, start: number, end: number): void {
    let stop = end;
    while (stop > start) {
      const last = data[stop - 1];
      if (last !== LF && last !== CR) break;
      stop -= 1;
    }
    if (stop > start) this.emit(data.toString('utf8', start, stop));
  }

  /** Starts the pending buffer with `data[start, end)` (the current state's unfinished bytes). */
  private keep(data: Buffer, start: number, end: number): void {
    this.pendingLength = 0;
    this.append(data, start, end);
  }

  private append(data: Buffer, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    const needed = this.pendingLength + length;
    if (this.pending === null || this.pending.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.maxBytes + 32, needed * 2), 256));
      if (this.pending !== null && this.pendingLength > 0) this.pending.copy(grown, 0, 0, this.pendingLength);
      this.pending = grown;
    }
    data.copy(this.pending, this.pendingLength, start, end);
    this.pendingLength = needed;
  }

  /**
   * The pending bytes, as a view that stays valid until the next `append`; the pending buffer is
   * emptied (and let go when large, so an idle connection does not pin a big frame's buffer).
   */
  private takePending(): Buffer {
    const pending = this.pending;
    const length = this.pendingLength;
    this.pendingLength = 0;
    if (pending === null || length === 0) return Buffer.alloc(0);
    if (pending.length > 4096) this.pending = null;
    return pending.subarray(0, length);
  }
}
