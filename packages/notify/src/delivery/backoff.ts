export interface BackoffOptions {
  /** Delay ceiling after the first failure. */
  baseMs: number;
  /** Largest delay ceiling. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 300_000 };

/**
 * Delay before the next attempt after `attempts` failed ones: exponential (base × 2^(attempts-1),
 * capped) with "equal jitter": half of it fixed, half random, so many failures at once do not
 * retry in step. `random` is in [0, 1).
 */
export function backoffDelay(
  attempts: number,
  random: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
