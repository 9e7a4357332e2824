import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KnownKey } from '@bulwark/api';
import { HashedApiKey, hashApiKey } from '@bulwark/config';
import { z } from 'zod';

export const GENERATED_KEYS_FILE = 'api-keys.json';

export interface KeySet {
  keys: KnownKey[];
  /** The plaintext of a key generated on this start; shown once, never stored. */
  generated: string | null;
}

/**
 * The keys the service accepts. Configured keys win. With none configured, the first start
 * generates an admin key, keeps only its hash in the data directory and hands the plaintext back
 * once to be printed; later starts load the hash.
 */
export function resolveKeys(configured: readonly KnownKey[], dataDir: string): KeySet {
  if (configured.length > 0) return { keys: [...configured], generated: null };
  const file = path.join(dataDir, GENERATED_KEYS_FILE);
  if (existsSync(file)) {
    const stored = z
      .array(HashedApiKey)
      .min(1)
      .safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!stored.success) {
      throw new Error(
        `${file} holds no valid key; delete it to have a new admin key generated, or set BULWARK_API_KEYS`,
      );
    }
    return { keys: stored.data, generated: null };
  }
  const key = `bwk_${randomBytes(32).toString('base64url')}`;
  const stored: KnownKey[] = [{ name: 'generated-admin', sha256: hashApiKey(key), scopes: ['admin'] }];
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { keys: stored, generated: key };
}
