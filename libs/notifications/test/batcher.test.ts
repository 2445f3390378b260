import { Batcher } from '../src/batcher';

describe('Batcher', () => {
  it('runs the calls of one turn together and hands each caller its own result', async () => {
    const runs: number[][] = [];
    const b = new Batcher<number, number>(async (xs) => {
      runs.push(xs);
      return xs.map((x) => x * 10);
    });
    expect(await Promise.all([b.call(1), b.call(2), b.call(3)])).toEqual([10, 20, 30]);
    expect(await b.call(4)).toBe(40);
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  it('splits a turn larger than the batch size', async () => {
    const runs: number[][] = [];
    const b = new Batcher<number, number>(async (xs) => (runs.push(xs), xs), 2);
    await Promise.all([1, 2, 3, 4, 5].map((x) => b.call(x)));
    expect(runs).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("rejects every caller of a batch that failed, and the next turn's callers are not affected", async () => {
    let fail = true;
    const b = new Batcher<number, number>(async (xs) => {
      if (fail) throw new Error('database down');
      return xs;
    });
    const results = await Promise.allSettled([b.call(1), b.call(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await b.call(3)).toBe(3);
  });
});
