import { BlockList, isIP } from 'node:net';
import { normaliseIp } from './address.js';

/**
 * A set of networks: CIDRs (`10.0.0.0/8`, `2001:db8::/32`) or bare addresses (a single host).
 * IPv4-mapped networks (`::ffff:10.0.0.0/104`) are read as the IPv4 network they map, and the
 * addresses asked about are normalised the same way. Backed by Node's BlockList.
 */
export class CidrSet {
  private readonly list = new BlockList();
  readonly size: number;

  /** Throws a RangeError naming every entry that is not a valid address or network. */
  constructor(networks: readonly string[]) {
    const problems: string[] = [];
    for (const entry of networks) {
      const problem = this.add(entry.trim());
      if (problem) problems.push(`"${entry}": ${problem}`);
    }
    if (problems.length > 0) throw new RangeError(`invalid networks: ${problems.join('; ')}`);
    this.size = networks.length;
  }

  /** Whether an address (as a log line or a socket gives it) lies in one of the networks. */
  has(address: string): boolean {
    if (this.size === 0) return false;
    const normalised = normaliseIp(address);
    const family = isIP(normalised.split('%')[0] as string);
    if (family === 0) return false;
    return this.list.check(normalised.split('%')[0] as string, family === 4 ? 'ipv4' : 'ipv6');
  }

  private add(entry: string): string | undefined {
    const slash = entry.indexOf('/');
    let address = slash === -1 ? entry : entry.slice(0, slash);
    let family = isIP(address);
    if (family === 0) return 'not an IPv4 or IPv6 address';
    const maxPrefix = family === 4 ? 32 : 128;
    let prefix = maxPrefix;
    if (slash !== -1) {
      const text = entry.slice(slash + 1);
      if (!/^[0-9]{1,3}$/.test(text)) return 'the prefix length is not a number';
      prefix = Number(text);
      if (prefix > maxPrefix) return `the prefix length is above ${maxPrefix}`;
    }
    const mapped = normaliseIp(address);
    if (family === 6 && isIP(mapped) === 4) {
      if (prefix < 96) return 'an IPv4-mapped network needs a prefix of at least 96';
      address = mapped;
      family = 4;
      prefix -= 96;
    }
    this.list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return undefined;
  }
}
