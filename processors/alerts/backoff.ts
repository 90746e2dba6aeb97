// When to try a failed notification again: exponential backoff with full jitter, so
// many deliveries that failed together (a receiver outage) do not retry together;
// a receiver's Retry-After wins when it says more.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/** Delay before attempt `attempts + 1`, after `attempts` failed ones (≥ 1). */
export function backoffDelayMs(attempts: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempts - 1));
  const r = (opts.random ?? Math.random)();
  // Half fixed, half jittered: never immediately, never in lock-step.
  return Math.round(exp / 2 + (exp / 2) * r);
}

/**
 * Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP date (RFC 9110
 * §10.2.3). null when absent or unreadable; capped at `maxMs`.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number, maxMs: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Math.ceil(Number(text) * 1000);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = at - nowMs;
  }
  return Math.min(maxMs, Math.max(0, ms));
}
