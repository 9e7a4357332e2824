/**
 * The GSM 03.38 7-bit alphabet SMS uses when it can: 160 characters in one segment. One character
 * outside it turns the whole message into UCS-2, 70 characters a segment, so text meant for one
 * segment is first made GSM-7 safe.
 */

const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Characters of the extension table: each costs two (an escape and the character). */
const EXTENDED = '\f^{}\\[~]|€';

const basic = new Set(BASIC);
const extended = new Set(EXTENDED);

const LOOKALIKES: Record<string, string> = {
  '‘': "'",
  '’': "'",
  '‚': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '–': '-',
  '—': '-',
  '…': '...',
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Œ: 'OE',
  œ: 'oe',
  Þ: 'Th',
  þ: 'th',
  ı: 'i',
  '\u00a0': ' ',
  '\t': ' ',
};

/** Whether every character is in the GSM-7 alphabet (basic or extension). */
export function isGsm7(text: string): boolean {
  for (const char of text) if (!basic.has(char) && !extended.has(char)) return false;
  return true;
}

/** Length in GSM-7 septets (extension characters count two). */
export function gsm7Length(text: string): number {
  let length = 0;
  for (const char of text) length += extended.has(char) ? 2 : 1;
  return length;
}

/**
 * The text in GSM-7: typographic punctuation to its ASCII look-alike, accented letters the
 * alphabet lacks to their base letter, anything else to `?`.
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const char of text) {
    if (basic.has(char) || extended.has(char)) {
      out += char;
      continue;
    }
    const lookalike = LOOKALIKES[char];
    if (lookalike !== undefined) {
      out += lookalike;
      continue;
    }
    const base = char.normalize('NFD').replace(/\p{M}+/gu, '');
    out += base.length > 0 && [...base].every((c) => basic.has(c)) ? base : '?';
  }
  return out;
}

/** Cuts GSM-7 text to at most `septets`, ending with `...` when cut. */
export function truncateGsm7(text: string, septets: number): string {
  if (gsm7Length(text) <= septets) return text;
  let out = '';
  let length = 0;
  for (const char of text) {
    const cost = extended.has(char) ? 2 : 1;
    if (length + cost > septets - 3) break;
    out += char;
    length += cost;
  }
  return `${out}...`;
}

/** Septets in one single-segment GSM-7 SMS. */
export const SMS_SEGMENT = 160;
