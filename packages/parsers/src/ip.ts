import { isIP } from 'node:net';

export interface Address {
  /** The normalised address when the text is an IP address. */
  ip?: string;
  /** The text as written when it is a hostname rather than an address. */
  address?: string;
}

/**
 * Normalises an address as a log line writes it: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes
 * IPv4, IPv6 is lower-cased, and anything that is not an IP is kept as a hostname.
 */
export function normaliseAddress(text: string): Address {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const version = isIP(bare);
  if (version === 4) return { ip: bare };
  if (version === 6) {
    const lower = bare.toLowerCase();
    const mapped = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(lower);
    if (mapped && isIP(mapped[1] as string) === 4) return { ip: mapped[1] as string };
    return { ip: lower };
  }
  return { address: text };
}
