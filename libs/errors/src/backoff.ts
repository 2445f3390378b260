/** Exponential backoff with jitter: the one formula every retry in the project uses. */
export interface BackoffPolicy {
  /** Delay before the second attempt (100 ms for HTTP). */
  baseMs: number;
  /** No delay exceeds this (jitter included). */
  capMs: number;
  /** Extra random share of the delay, 0..1 (HTTP: up to 50 %). */
  jitter: number;
}

/** Outbound HTTP: 100 ms · 2^(attempt−1) + 0–50 % jitter, capped at 10 s. */
export const HTTP_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 100, capMs: 10_000, jitter: 0.5 });

/**
 * Delay before the next try after `attempt` failed tries (attempt ≥ 1):
 * baseMs · 2^(attempt−1), plus up to `jitter` of that at random, capped.
 * `random` is injectable so tests can pin the jitter.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 52);
  const base = Math.min(policy.baseMs * 2 ** exponent, policy.capMs);
  return Math.min(Math.round(base + base * policy.jitter * random()), policy.capMs);
}

/**
 * The delay a failure asks for itself (an HTTP 429/503 `Retry-After`), when
 * it carries one as `retryAfterMs`; undefined otherwise.
 */
export function requestedDelayMs(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
