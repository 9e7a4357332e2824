/** 32-bit words an event id takes in a row (two of its Float64 columns). */
export const ID_WORDS = 4;

/** The tag nibble (bits 12–15 of the second word): a UUID's version, or one of these. */
const EMPTY = 0x0;
const REPLAY = 0xf;
const OTHER = 0xe;

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from(
  { length: 256 },
  (_, byte) => (HEX[byte >> 4] ?? '') + (HEX[byte & 15] ?? ''),
);

/** Value of each character code below 128 as a lowercase hex digit, or -1. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i += 1) HEX_VALUE[(HEX[i] as string).charCodeAt(0)] = i;

/** Eight hex digits of `text`: four from `at`, four from `next`, as a 32-bit number, or -1. */
function hexWord(text: string, at: number, next: number): number {
  let value = 0;
  for (let i = 0; i < 8; i += 1) {
    const code = text.charCodeAt(i < 4 ? at + i : next + i - 4);
    const digit = code < 128 ? (HEX_VALUE[code] as number) : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function wordHex(word: number): string {
  return (
    (HEX_PAIRS[word >>> 24] as string) +
    (HEX_PAIRS[(word >>> 16) & 255] as string) +
    (HEX_PAIRS[(word >>> 8) & 255] as string) +
    (HEX_PAIRS[word & 255] as string)
  );
}

/** Ids in no fixed form kept at once; beyond, the oldest are forgotten (their evidence drops out). */
const ODD_LIMIT = 1_000_000;

/**
 * Event ids as four 32-bit words in a typed array, so that rules keep the evidence of a million keys
 * without a million strings for the garbage collector to copy and walk. The ids Bulwark makes have
 * fixed forms: UUIDs (`newEventId`, versions 1–8, lowercase) and replay ids (`rp_` and 24 hex
 * digits); both are stored in full, and words can be copied around like numbers. An id in any other
 * form (tests, hand-made events) is kept as text under a number the words hold, up to ODD_LIMIT.
 */
export class EventIds {
  private readonly odd = new Map<number, string>();
  private nextOdd = 0;
  /** The last id written and its words: the rules an event feeds all write its id. */
  private lastId = '';
  private readonly lastWords = new Uint32Array(4);

  write(words: Uint32Array, at: number, id: string): void {
    if (id !== this.lastId) {
      this.encode(this.lastWords, id);
      this.lastId = id;
    }
    words[at] = this.lastWords[0] as number;
    words[at + 1] = this.lastWords[1] as number;
    words[at + 2] = this.lastWords[2] as number;
    words[at + 3] = this.lastWords[3] as number;
  }

  private encode(words: Uint32Array, id: string): void {
    const at = 0;
    if (
      id.length === 36 &&
      id.charCodeAt(8) === 45 &&
      id.charCodeAt(13) === 45 &&
      id.charCodeAt(18) === 45 &&
      id.charCodeAt(23) === 45
    ) {
      const w0 = hexWord(id, 0, 4);
      const w1 = hexWord(id, 9, 14);
      const w2 = hexWord(id, 19, 24);
      const w3 = hexWord(id, 28, 32);
      const version = (w1 >>> 12) & 15;
      if (w0 >= 0 && w1 >= 0 && w2 >= 0 && w3 >= 0 && version >= 1 && version <= 8) {
        words[at] = w0;
        words[at + 1] = w1;
        words[at + 2] = w2;
        words[at + 3] = w3;
        return;
      }
    } else if (id.length === 27 && id.startsWith('rp_')) {
      const w0 = hexWord(id, 3, 7);
      const w2 = hexWord(id, 11, 15);
      const w3 = hexWord(id, 19, 23);
      if (w0 >= 0 && w2 >= 0 && w3 >= 0) {
        words[at] = w0;
        words[at + 1] = REPLAY << 12;
        words[at + 2] = w2;
        words[at + 3] = w3;
        return;
      }
    }
    const handle = this.nextOdd;
    this.nextOdd = (this.nextOdd + 1) % 0x1_0000_0000;
    this.odd.set(handle, id);
    if (this.odd.size > ODD_LIMIT) this.odd.delete(this.odd.keys().next().value as number);
    words[at] = handle;
    words[at + 1] = OTHER << 12;
    words[at + 2] = 0;
    words[at + 3] = 0;
  }

  /** The ids in no fixed form, for a snapshot (rows refer to them by number). */
  dump(): { next: number; odd: [number, string][] } {
    return { next: this.nextOdd, odd: [...this.odd] };
  }

  /** Takes back `dump`'s ids, into a table that holds none. */
  restore(dump: { next: number; odd: [number, string][] }): void {
    this.odd.clear();
    for (const [handle, id] of dump.odd) this.odd.set(handle, id);
    this.nextOdd = dump.next;
    this.lastId = '';
  }

  /** The id at `at`, or undefined if none was written there (or it was an odd one, forgotten). */
  read(words: Uint32Array, at: number): string | undefined {
    const w1 = words[at + 1] as number;
    const tag = (w1 >>> 12) & 15;
    if (tag === EMPTY) return undefined;
    if (tag === OTHER) return this.odd.get(words[at] as number);
    const w0 = wordHex(words[at] as number);
    const w2 = wordHex(words[at + 2] as number);
    const w3 = wordHex(words[at + 3] as number);
    if (tag === REPLAY) return `rp_${w0}${w2}${w3}`;
    const middle = wordHex(w1);
    return `${w0}-${middle.slice(0, 4)}-${middle.slice(4)}-${w2.slice(0, 4)}-${w2.slice(4)}${w3}`;
  }
}

/** Marks the id at `at` empty. */
export function clearId(words: Uint32Array, at: number): void {
  words[at + 1] = 0;
}

/**
 * Appends the id at `at` to a persisted list: its four words, or for an id in no fixed form its
 * text and three zeros (the number it is kept under means nothing to another process).
 */
export function saveId(ids: EventIds, words: Uint32Array, at: number, out: (number | string)[]): void {
  const tag = ((words[at + 1] as number) >>> 12) & 15;
  if (tag === OTHER) out.push(ids.read(words, at) ?? '', 0, 0, 0);
  else
    out.push(words[at] as number, words[at + 1] as number, words[at + 2] as number, words[at + 3] as number);
}

/** Writes the id at `from` of a list made by `saveId` to `at`. */
export function loadId(
  ids: EventIds,
  words: Uint32Array,
  at: number,
  saved: readonly (number | string)[],
  from: number,
): void {
  const first = saved[from];
  if (typeof first === 'string') {
    if (first === '') clearId(words, at);
    else ids.write(words, at, first);
    return;
  }
  for (let i = 0; i < ID_WORDS; i += 1) words[at + i] = Number(saved[from + i] ?? 0) >>> 0;
}
