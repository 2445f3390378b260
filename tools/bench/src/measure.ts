/** Items per second of one run of `fn`. */
export async function rateOf(items: number, fn: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return items / (Number(process.hrtime.bigint() - started) / 1e9);
}

/**
 * Runs the baseline and the thing measured alternately, `rounds` times, so
 * drift on a shared machine hits both alike; logs each round on stderr.
 */
export async function alternate<T>(
  rounds: number,
  baseline: (round: number) => Promise<T>,
  ours: (round: number) => Promise<T>,
  describe: (base: T, ours: T) => string,
): Promise<{ base: T[]; ours: T[] }> {
  const result = { base: [] as T[], ours: [] as T[] };
  for (let r = 0; r < rounds; r += 1) {
    result.base.push(await baseline(r));
    result.ours.push(await ours(r));
    console.error(`round ${r + 1}: ${describe(result.base[r]!, result.ours[r]!)}`);
  }
  return result;
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

/** The p-th percentile of an ascending array (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
