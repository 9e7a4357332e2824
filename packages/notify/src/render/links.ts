import type { LinkSigner } from '../tokens/link-token.js';

/** Path of the "this wasn't me" route; the token follows it. Served by `@bulwark/api`'s reportLink. */
export const REPORT_PATH = '/v1/report/';
/** Path of short incident links in SMS; the reference follows it. Served by `@bulwark/api`'s reportLink. */
export const SHORT_PATH = '/i/';

const INCIDENT_ID = /^inc_([0-9a-f]{24})$/;

/** A short, URL-safe reference to an incident: the 12 bytes of a standard id in base64url (16 chars). */
export function shortRef(incidentId: string): string {
  const match = INCIDENT_ID.exec(incidentId);
  if (match) return Buffer.from(match[1] as string, 'hex').toString('base64url');
  return `~${Buffer.from(incidentId, 'utf8').toString('base64url')}`;
}

/** The incident id a short reference stands for, or null. */
export function incidentIdFromRef(ref: string): string | null {
  if (!/^~?[A-Za-z0-9_-]{1,200}$/.test(ref)) return null;
  if (ref.startsWith('~')) return Buffer.from(ref.slice(1), 'base64url').toString('utf8') || null;
  const bytes = Buffer.from(ref, 'base64url');
  return bytes.length === 12 ? `inc_${bytes.toString('hex')}` : null;
}

export interface LinkOptions {
  /** Where people reach this Bulwark, e.g. `https://bulwark.example.com`. */
  publicUrl: string;
  /** Signs "this wasn't me" links; without it they are not offered. */
  signer?: LinkSigner;
  /** How long a "this wasn't me" link stays valid. */
  reportTtlMs?: number;
}

/** The links messages carry, all under the public URL. */
export class Links {
  private readonly base: string;

  constructor(private readonly options: LinkOptions) {
    this.base = options.publicUrl.replace(/\/+$/, '');
  }

  incidentUrl(incidentId: string): string {
    return `${this.base}/v1/incidents/${encodeURIComponent(incidentId)}`;
  }

  incidentsUrl(): string {
    return `${this.base}/v1/incidents`;
  }

  /** A short link to the incident (redirects to `incidentUrl`), for SMS. */
  shortUrl(incidentId: string): string {
    return `${this.base}${SHORT_PATH}${shortRef(incidentId)}`;
  }

  /** A signed "this wasn't me" link valid from `nowMs` for the configured time, or null without a signer. */
  reportUrl(incidentId: string, nowMs: number): { url: string; expiresAtMs: number } | null {
    if (!this.options.signer) return null;
    const expiresAtMs = nowMs + (this.options.reportTtlMs ?? 7 * 86_400_000);
    const token = this.options.signer.sign({ incidentId, expiresAtMs });
    return { url: `${this.base}${REPORT_PATH}${token}`, expiresAtMs };
  }
}
