/** Runs `fn` `rounds` times after one warm-up and returns the best rate (items per second). */
export async function bestRate(rounds: number, items: number, fn: () => Promise<void>): Promise<number[]> {
  const rates: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = process.hrtime.bigint();
    await fn();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push(items / seconds);
  }
  return rates;
}

/** Calls `task(i)` for i in [0, n) with at most `window` promises in flight. */
export async function windowed(n: number, window: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(window, n) }, async () => {
    while (next < n) {
      const i = next;
      next += 1;
      await task(i);
    }
  });
  await Promise.all(lanes);
}

/** Resolves when `check` is true, polling every 5 ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
