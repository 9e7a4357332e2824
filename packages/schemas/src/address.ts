import { isIP } from 'node:net';

export interface Address {
  /** The normalised address when the text is an IP address. */
  ip?: string;
  /** The text as written when it is a hostname rather than an address. */
  address?: string;
}

const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * The one spelling of an IPv6 address (RFC 5952: lower case, longest zero run compressed), which the
 * WHATWG URL parser produces. A zone id (`%eth0`) is kept as written after the address.
 */
function canonicalIpv6(text: string): string {
  const zoneAt = text.indexOf('%');
  const bare = zoneAt < 0 ? text : text.slice(0, zoneAt);
  const zone = zoneAt < 0 ? '' : text.slice(zoneAt);
  try {
    return `${new URL(`http://[${bare}]/`).hostname.slice(1, -1)}${zone}`;
  } catch {
    return text.toLowerCase();
  }
}

/**
 * Normalises an address as a log line or a query writes it, so that one host always has one key:
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4, IPv6 takes its canonical form, brackets are
 * dropped, and anything that is not an IP is kept as a hostname.
 */
export function normaliseAddress(text: string): Address {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const version = isIP(bare);
  if (version === 4) return { ip: bare };
  if (version === 6) {
    const mapped = MAPPED_V4.exec(bare);
    if (mapped && isIP(mapped[1] as string) === 4) return { ip: mapped[1] as string };
    return { ip: canonicalIpv6(bare) };
  }
  return { address: text };
}

/** The normalised IP of `text`, or `text` unchanged when it is not an IP. */
export function normaliseIp(text: string): string {
  return normaliseAddress(text).ip ?? text;
}
