import { createHash } from 'node:crypto';
import { z } from 'zod';

export const Scope = z.enum(['ingest', 'read', 'admin']);
export type Scope = z.infer<typeof Scope>;

/**
 * An API key as Bulwark keeps it: only its SHA-256, never the key itself. `id` is a short prefix of
 * the hash, safe to log, so operators can tell keys apart.
 */
export const HashedApiKey = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the hex SHA-256 of the key'),
  scopes: z.array(Scope).min(1),
});
export type HashedApiKey = z.infer<typeof HashedApiKey>;

export const MIN_KEY_LENGTH = 16;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export interface KeyParseProblem {
  index: number;
  message: string;
}

/**
 * Parses `BULWARK_API_KEYS`: comma-separated `KEY:SCOPE[+SCOPE]`. Problems name the entry by its
 * position, never by its text, because the text is a secret.
 */
export function parseApiKeysEnv(value: string): { keys: HashedApiKey[]; problems: KeyParseProblem[] } {
  const keys: HashedApiKey[] = [];
  const problems: KeyParseProblem[] = [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  entries.forEach((entry, index) => {
    const colon = entry.lastIndexOf(':');
    if (colon <= 0) {
      problems.push({ index, message: 'expected KEY:SCOPE[+SCOPE]' });
      return;
    }
    const key = entry.slice(0, colon);
    const scopeText = entry.slice(colon + 1);
    if (key.length < MIN_KEY_LENGTH) {
      problems.push({ index, message: `the key is shorter than ${MIN_KEY_LENGTH} characters` });
      return;
    }
    const scopes: Scope[] = [];
    for (const name of scopeText.split('+')) {
      const parsed = Scope.safeParse(name);
      if (!parsed.success) {
        // The text is not echoed: in a malformed entry it may be part of the key.
        problems.push({ index, message: 'unknown scope (expected ingest, read or admin, joined with +)' });
        return;
      }
      scopes.push(parsed.data);
    }
    keys.push({ sha256: hashApiKey(key), scopes });
  });
  return { keys, problems };
}
