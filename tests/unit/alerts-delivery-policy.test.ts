// Backoff with jitter, Retry-After, and the sliding-window rate limit.
import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter, backoffDelayMs, parseRetryAfter } from '../../processors/alerts/index.ts';

describe('backoff', () => {
  it('doubles per attempt up to the cap, jittered within the upper half of each step', () => {
    const opts = (r: number) => ({ baseMs: 1_000, maxMs: 30_000, random: () => r });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, opts(0)))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    expect([1, 2, 3, 6].map((n) => backoffDelayMs(n, opts(0.999999)))).toEqual([1_000, 2_000, 4_000, 30_000]);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, { baseMs: 1_000, maxMs: 30_000 })));
    expect(spread.size).toBeGreaterThan(10);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 2, 2, 9, 0, 0);
  it('reads delta-seconds and HTTP dates, capped; ignores nonsense', () => {
    expect(parseRetryAfter('120', now, 3_600_000)).toBe(120_000);
    expect(parseRetryAfter('1.5', now, 3_600_000)).toBe(1_500);
    expect(parseRetryAfter(new Date(now + 45_000).toUTCString(), now, 3_600_000)).toBe(45_000);
    expect(parseRetryAfter(new Date(now - 45_000).toUTCString(), now, 3_600_000)).toBe(0);
    expect(parseRetryAfter('999999', now, 3_600_000)).toBe(3_600_000);
    expect(parseRetryAfter('soon', now, 3_600_000)).toBeNull();
    expect(parseRetryAfter(null, now, 3_600_000)).toBeNull();
  });
});

describe('sliding-window limiter', () => {
  it('never allows more than max in any window, and frees slots as sends age out', () => {
    const l = new SlidingWindowLimiter(3, 60_000);
    const sent: number[] = [];
    for (let t = 0; t < 300_000; t += 7_000) {
      while (l.available(t) > 0) {
        l.record(t);
        sent.push(t);
      }
    }
    for (const t of sent) expect(sent.filter((x) => x > t - 60_000 && x <= t).length).toBeLessThanOrEqual(3);
    expect(sent.length).toBeGreaterThanOrEqual(15);
    const m = new SlidingWindowLimiter(2, 1_000);
    m.record(0);
    m.record(100);
    expect(m.available(999)).toBe(0);
    expect(m.nextSlotAt(999)).toBe(1_000);
    expect(m.available(1_000)).toBe(1);
  });
});
