import { z } from 'zod';
import { defineJob, nextSlot } from '../src';
import { createJobTestEnv, type JobTestEnv } from '../src/testing';

let env: JobTestEnv;
beforeAll(async () => {
  env = await createJobTestEnv('cron');
});
afterAll(async () => {
  await env.dispose();
});

describe('nextSlot', () => {
  it.each([
    ['*/5 * * * *', '2026-01-01T00:03:10Z', '2026-01-01T00:05:00.000Z'],
    ['0 3 * * *', '2026-01-01T03:00:00Z', '2026-01-02T03:00:00.000Z'],
    ['*/10 * * * * *', '2026-01-01T00:00:00.500Z', '2026-01-01T00:00:10.000Z'],
  ])('%s after %s is %s (UTC)', (expression, after, expected) => {
    expect(new Date(nextSlot(expression, Date.parse(after))).toISOString()).toBe(expected);
  });
});

it('fires a cron job once per slot however many replicas run the schedule', async () => {
  const queue = 'maintenance';
  const type = defineJob({ name: 'session-cleanup', queue, args: z.object({ staleAfterS: z.number() }), maxAttempts: 1 });
  const runs: Array<{ id: string; replica: number }> = [];
  const replicas = await Promise.all([0, 1, 2].map(() => env.runtime({ queues: { [queue]: 3 } })));
  for (const [i, runtime] of replicas.entries()) {
    runtime.work(type, async (args, ctx) => {
      expect(args).toEqual({ staleAfterS: 300 });
      runs.push({ id: ctx.id, replica: i });
    });
    runtime.schedule({ name: 'stale-sessions', expression: '* * * * * *', type, args: { staleAfterS: 300 } });
  }
  await Promise.all(replicas.map((r) => r.start()));
  await new Promise((r) => setTimeout(r, 3_300));
  await Promise.all(replicas.map((r) => r.stop(1_000)));

  const ids = runs.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBeGreaterThanOrEqual(3);
  for (const id of ids) expect(id).toMatch(/^cron-stale-sessions-\d+000$/);
  const slots = ids.map((id) => Number(id.split('-').pop())).sort();
  slots.slice(1).forEach((slot, i) => expect(slot - slots[i]!).toBe(1_000));
});
