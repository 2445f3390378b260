import { HTTP_BACKOFF, backoffDelayMs, requestedDelayMs } from './index';

describe('backoffDelayMs', () => {
  it('doubles from the base without jitter: 100, 200, 400, 800 ms', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(HTTP_BACKOFF, a, () => 0))).toEqual([100, 200, 400, 800]);
  });

  it('adds up to 50 % jitter', () => {
    expect(backoffDelayMs(HTTP_BACKOFF, 3, () => 0.999)).toBe(600);
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelayMs(HTTP_BACKOFF, 3)));
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(600);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('never exceeds the cap, even for huge attempt numbers', () => {
    expect(backoffDelayMs(HTTP_BACKOFF, 1_000, () => 1)).toBe(10_000);
    expect(backoffDelayMs({ baseMs: 1_000, capMs: 1_500, jitter: 0.5 }, 1, () => 1)).toBe(1_500);
  });
});

describe('requestedDelayMs', () => {
  it('reads retryAfterMs from an error that carries one', () => {
    expect(requestedDelayMs(Object.assign(new Error('429'), { retryAfterMs: 1_000 }))).toBe(1_000);
    expect(requestedDelayMs(new Error('x'))).toBeUndefined();
    expect(requestedDelayMs(Object.assign(new Error('x'), { retryAfterMs: -1 }))).toBeUndefined();
  });
});
