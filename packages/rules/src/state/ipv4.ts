/**
 * A canonical dotted-quad IPv4 address (as the classifier normalises them: no leading zeros) as an
 * unsigned 32-bit number, or -1 for anything else. Reads the text once, allocates nothing.
 */
export function ipv4Number(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots += 1;
      continue;
    }
    const digit = code - 48;
    if (digit < 0 || digit > 9 || (digits > 0 && part === 0)) return -1;
    part = part * 10 + digit;
    digits += 1;
    if (part > 255) return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/** The dotted-quad text of an address from `ipv4Number`. */
export function ipv4Text(value: number): string {
  return `${Math.floor(value / 16_777_216)}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}
