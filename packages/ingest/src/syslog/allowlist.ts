import { CidrSet } from '@bulwark/schemas';

/** Sender networks allowed to talk to a listener (CIDRs or single addresses). An empty list allows everyone. */
export class SenderAllowlist {
  private readonly networks: CidrSet;
  readonly allowsAll: boolean;

  /** Throws an Error naming every bad entry when some are not valid CIDRs. */
  constructor(cidrs: readonly string[]) {
    try {
      this.networks = new CidrSet(cidrs);
    } catch (error) {
      throw new Error(`invalid sender allowlist: ${(error as Error).message}`);
    }
    this.allowsAll = cidrs.length === 0;
  }

  /** Whether a peer address (as a socket reports it) may send. */
  allows(address: string | undefined): boolean {
    if (this.allowsAll) return true;
    return address !== undefined && this.networks.has(address);
  }
}
