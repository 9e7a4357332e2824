import { normaliseAddress } from '@bulwark/schemas';
import type { EventFields } from './types.js';

type AddressFields = Pick<EventFields, 'source.ip' | 'source.address' | 'source.port'>;

/** Sets `source.ip` (normalised) or `source.address` (a hostname) and `source.port` on `fields`. */
export function withAddress<T extends Partial<EventFields>>(
  fields: T,
  host: string | undefined,
  port?: string,
): T {
  if (host !== undefined && host !== '') {
    const address = normaliseAddress(host);
    if (address.ip) (fields as AddressFields)['source.ip'] = address.ip;
    else if (address.address) (fields as AddressFields)['source.address'] = address.address;
  }
  if (port !== undefined) (fields as AddressFields)['source.port'] = Number(port);
  return fields;
}

/** The address and port of `fields`. */
export function addressOf(fields: Partial<EventFields>): AddressFields {
  const out: AddressFields = {};
  if (fields['source.ip'] !== undefined) out['source.ip'] = fields['source.ip'];
  if (fields['source.address'] !== undefined) out['source.address'] = fields['source.address'];
  if (fields['source.port'] !== undefined) out['source.port'] = fields['source.port'];
  return out;
}

/** Shared, never mutated: one array for every authentication event saves an allocation per line. */
const AUTHENTICATION: string[] = ['authentication'];

/** A login attempt: failed or accepted, by `action`, for `user` from `host`. */
export function login(
  outcome: 'failure' | 'success',
  action: string,
  user: string | undefined,
  host: string | undefined,
  port?: string,
): EventFields {
  const fields: EventFields = {
    'event.action': action,
    'event.outcome': outcome,
    'event.category': AUTHENTICATION,
    'bulwark.category': outcome === 'failure' ? 'failed_login' : 'successful_login',
  };
  if (user !== undefined && user !== '') fields['user.name'] = user;
  return withAddress(fields, host, port);
}

/** A line worth keeping with its address but of no security meaning by itself. */
export function note(action: string, host?: string, user?: string): EventFields {
  const fields: EventFields = { 'event.action': action, 'bulwark.category': 'other' };
  if (user !== undefined && user !== '') fields['user.name'] = user;
  return withAddress(fields, host);
}
