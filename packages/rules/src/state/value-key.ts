import { ipv4Number } from './ipv4.js';

const TWO_32 = 4_294_967_296;
const TWO_52 = 4_503_599_627_370_496;

/**
 * A field value as one number, so that rules can keep sets of values in typed arrays: a canonical
 * IPv4 address is its own 32-bit number (exact); any other text a 52-bit hash above 2^52 (two
 * FNV-1a variants), which two texts share with odds of about one in 10^15: a set of values that
 * miscounts by one that rarely is a fair price for keeping a million of them. The same text always
 * gives the same number, in every process: the numbers are persisted.
 */
export function valueKey(text: string): number {
  const address = ipv4Number(text);
  if (address >= 0) return address;
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995) ^ (b >>> 15);
  }
  return TWO_52 + ((a >>> 0) % 1_048_576) * TWO_32 + (b >>> 0);
}
