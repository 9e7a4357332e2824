/** Where a user's email address comes from when the events do not carry `user.email`. */
export type Lookup =
  | { state: 'found'; email: string }
  | { state: 'missing' }
  /** The directory could not answer now (down, timed out): worth asking again later. */
  | { state: 'unavailable'; error: string };

export interface Directory {
  lookup(user: string): Promise<Lookup>;
}

/** A fixed map of user names to addresses (the `directory.map` of the config). */
export class MapDirectory implements Directory {
  private readonly entries: Map<string, string>;

  constructor(map: Readonly<Record<string, string>>) {
    this.entries = new Map(Object.entries(map));
  }

  async lookup(user: string): Promise<Lookup> {
    const email = this.entries.get(user);
    return email === undefined ? { state: 'missing' } : { state: 'found', email };
  }
}

export interface HttpDirectoryOptions {
  /** URL with `{user}` where the (URL-encoded) user name goes: `https://dir.example/users/{user}`. */
  url: string;
  /** Dotted path of the address in the JSON answer; `email` by default. */
  field?: string;
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>`; from the environment (BULWARK_DIRECTORY_TOKEN). */
  token?: string;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * Asks an HTTP service: GET the URL for the user, read the address from the JSON answer. 404 or an
 * answer without the field is `missing`; 5xx, 429 and network failures are `unavailable`.
 */
export class HttpDirectory implements Directory {
  constructor(private readonly options: HttpDirectoryOptions) {
    if (!options.url.includes('{user}')) throw new Error('directory URL must contain {user}');
  }

  async lookup(user: string): Promise<Lookup> {
    const url = this.options.url.replaceAll('{user}', encodeURIComponent(user));
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          accept: 'application/json',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (error) {
      return { state: 'unavailable', error: `directory lookup failed: ${(error as Error).message}` };
    }
    if (response.status === 404) return { state: 'missing' };
    if (response.status === 429 || response.status >= 500) {
      return { state: 'unavailable', error: `directory answered ${response.status}` };
    }
    if (!response.ok) return { state: 'missing' };
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return { state: 'missing' };
    }
    let value: unknown = body;
    for (const part of (this.options.field ?? 'email').split('.')) {
      value =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
    }
    return typeof value === 'string' && EMAIL.test(value)
      ? { state: 'found', email: value }
      : { state: 'missing' };
  }
}

/** Asks each directory in turn; the first that finds the user wins. */
export class ChainDirectory implements Directory {
  constructor(private readonly directories: readonly Directory[]) {}

  async lookup(user: string): Promise<Lookup> {
    let unavailable: Lookup | null = null;
    for (const directory of this.directories) {
      const found = await directory.lookup(user);
      if (found.state === 'found') return found;
      if (found.state === 'unavailable') unavailable = found;
    }
    return unavailable ?? { state: 'missing' };
  }
}
