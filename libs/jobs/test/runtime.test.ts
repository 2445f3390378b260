import { z } from 'zod';
import { headers } from '@nats-io/transport-node';
import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import { InvalidJobArgsError, JobRuntime, defineJob, discard, snooze, type JobContext } from '../src';
import { createJobTestEnv, waitUntil, type JobTestEnv } from '../src/testing';

const fast = { baseMs: 10, capMs: 50, jitter: 0 };
let env: JobTestEnv;
let queueNo = 0;
/** Each test gets a queue of its own, so its runtimes never take another test's jobs. */
const nextQueue = () => `q${++queueNo}`;

beforeAll(async () => {
  env = await createJobTestEnv('rt');
});
afterAll(async () => {
  await env.dispose();
});

async function started(runtime: JobRuntime): Promise<JobRuntime> {
  await runtime.start();
  return runtime;
}

class BadInput extends errorClass('TEST_BAD_INPUT', PERMANENT) {}

describe('job runtime against the real NATS and PostgreSQL', () => {
  it('holds the queue concurrency across two replicas sharing the queue', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'slow', queue, args: z.object({ n: z.number() }) });
    let running = 0;
    let peak = 0;
    const byReplica = [0, 0];
    const done = new Set<number>();
    const perform =
      (replica: number) =>
      async ({ n }: { n: number }) => {
        running += 1;
        peak = Math.max(peak, running);
        byReplica[replica]! += 1;
        await new Promise((r) => setTimeout(r, 60));
        running -= 1;
        done.add(n);
      };
    const a = await env.runtime({ queues: { [queue]: 3 } });
    const b = await env.runtime({ queues: { [queue]: 3 } });
    await started(a.work(type, perform(0)));
    await started(b.work(type, perform(1)));
    for (let n = 0; n < 30; n += 1) await a.enqueue(type, { n });
    await waitUntil(() => done.size === 30, 15_000, 'all 30 jobs done');
    expect(peak).toBe(3);
    expect(byReplica[0]! + byReplica[1]!).toBe(30);
    expect(byReplica[0]).toBeGreaterThan(0);
    expect(byReplica[1]).toBeGreaterThan(0);
  });

  it('runs a job that always fails exactly max_attempts times, then dead-letters it with every error', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'doomed', queue, args: z.object({ device: z.string() }), maxAttempts: 4, backoff: fast });
    const attempts: number[] = [];
    const runtime = await env.runtime({ queues: { [queue]: 2 } });
    await started(
      runtime.work(type, async (_args, ctx: JobContext) => {
        attempts.push(ctx.attempt);
        throw new Error(`boom ${ctx.attempt}`);
      }),
    );
    const { id } = await runtime.enqueue(type, { device: 'leaf-01' });
    await waitUntil(async () => (await runtime.deadLetters.get(id)) !== undefined, 10_000, 'dead letter');
    await new Promise((r) => setTimeout(r, 200));
    expect(attempts).toEqual([1, 2, 3, 4]);
    const dead = await runtime.deadLetters.get(id);
    expect(dead).toMatchObject({ queue, worker: 'doomed', args: { device: 'leaf-01' }, attempts: 4, maxAttempts: 4, outcome: 'exhausted' });
    expect(dead!.errors.map((e) => [e.attempt, e.message, e.class])).toEqual([
      [1, 'boom 1', 'unknown'],
      [2, 'boom 2', 'unknown'],
      [3, 'boom 3', 'unknown'],
      [4, 'boom 4', 'unknown'],
    ]);
    expect(dead!.reason).toBe('failed 4 of 4 attempts; last: boom 4');
  });

  it('waits longer after each failure, with the jitter drawn', async () => {
    const queue = nextQueue();
    const backoff = { baseMs: 150, capMs: 5_000, jitter: 0.5 };
    const type = defineJob({ name: 'flaky', queue, args: z.object({}), maxAttempts: 4, backoff });
    const draws = [0, 1, 0.5];
    const at: number[] = [];
    const runtime = await env.runtime({ queues: { [queue]: 1 }, random: () => draws.shift() ?? 0 });
    await started(
      runtime.work(type, async () => {
        at.push(Date.now());
        if (at.length < 4) throw new Error('not yet');
      }),
    );
    await runtime.enqueue(type, {});
    await waitUntil(() => at.length === 4, 10_000, 'four attempts');
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // Expected waits: 150·2^0 + 0 % = 150; 150·2^1 + 100 % of 50 % = 450; 150·2^2 + 50 % of 50 % = 750.
    const expected = [150, 450, 750];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i]! - 5);
      expect(gap).toBeLessThan(expected[i]! + 250);
    });
    expect(gaps[1]! - gaps[0]!).toBeGreaterThan(200);
    expect(gaps[2]! - gaps[1]!).toBeGreaterThan(200);
  });

  it('does not use up an attempt when a job snoozes', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'sleepy', queue, args: z.object({}), maxAttempts: 1 });
    const seen: Array<{ attempt: number; at: number }> = [];
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    let finished = false;
    await started(
      runtime.work(type, async (_a, ctx) => {
        seen.push({ attempt: ctx.attempt, at: Date.now() });
        if (seen.length < 3) return snooze(0.2);
        finished = true;
      }),
    );
    const { id } = await runtime.enqueue(type, {});
    await waitUntil(() => finished, 10_000, 'third run');
    expect(seen.map((s) => s.attempt)).toEqual([1, 1, 1]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(195);
    expect(await runtime.deadLetters.get(id)).toBeUndefined();
  });

  it('waits out a PostgreSQL outage longer than its attempts without using them, then runs', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'needs-db', queue, args: z.object({}), maxAttempts: 2, backoff: fast });
    const seen: number[] = [];
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    let finished = false;
    await started(
      runtime.work(type, async (_a, ctx) => {
        seen.push(ctx.attempt);
        // What pg throws while the database is away.
        if (seen.length < 5) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        finished = true;
      }),
    );
    const { id } = await runtime.enqueue(type, {});
    await waitUntil(() => finished, 10_000, 'the run after the outage');
    expect(seen).toEqual([1, 1, 1, 1, 1]);
    expect(await runtime.deadLetters.get(id)).toBeUndefined();
  });

  it('runs a unique job enqueued 5 times once, and every enqueue gets its id', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'scan', queue, args: z.object({ subnet: z.string(), ports: z.array(z.number()) }), unique: true });
    let runs = 0;
    const ids: string[] = [];
    const runtime = await env.runtime({ queues: { [queue]: 5 } });
    await started(
      runtime.work(type, async (_a, ctx) => {
        runs += 1;
        ids.push(ctx.id);
      }),
    );
    const other = await env.runtime({ queues: { [queue]: 5 } });
    const results = [];
    for (let i = 0; i < 5; i += 1) {
      // Key order must not matter; two "replicas" enqueue.
      const args = i % 2 ? { ports: [830, 57400], subnet: '10.0.0.0/24' } : { subnet: '10.0.0.0/24', ports: [830, 57400] };
      results.push(await (i % 2 ? other : runtime).enqueue(type, args));
    }
    expect(results.map((r) => r.duplicate)).toEqual([false, true, true, true, true]);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    await waitUntil(() => runs === 1, 5_000, 'one run');
    await new Promise((r) => setTimeout(r, 500));
    expect(runs).toBe(1);
    expect(ids).toEqual([results[0]!.id]);
    const different = await runtime.enqueue(type, { subnet: '10.0.1.0/24', ports: [830] });
    expect(different.duplicate).toBe(false);
    expect(different.id).not.toBe(results[0]!.id);
  });

  it('keeps one job per caller key within the window, whatever the arguments, and refuses a key with an id', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'keyed', queue, args: z.object({ n: z.number() }) });
    const seen: Array<{ id: string; n: number }> = [];
    const runtime = await env.runtime({ queues: { [queue]: 2 } });
    await started(runtime.work(type, async ({ n }, ctx) => void seen.push({ id: ctx.id, n })));
    const first = await runtime.enqueue(type, { n: 1 }, { uniqueKey: 'nms:msg_1' });
    const again = await runtime.enqueue(type, { n: 2 }, { uniqueKey: 'nms:msg_1' });
    const other = await runtime.enqueue(type, { n: 3 }, { uniqueKey: 'nms:msg_2' });
    expect([first.duplicate, again.duplicate, other.duplicate]).toEqual([false, true, false]);
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    await waitUntil(() => seen.length === 2, 5_000, 'two runs');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.sort((a, b) => a.n - b.n)).toEqual([
      { id: first.id, n: 1 },
      { id: other.id, n: 3 },
    ]);
    await expect(runtime.enqueue(type, { n: 4 }, { uniqueKey: 'k', id: 'x' })).rejects.toThrow(InvalidJobArgsError);
  });

  it('stores a job enqueued twice with the same caller-chosen id once', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'delivery', queue, args: z.object({ n: z.number() }) });
    let runs = 0;
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    await started(runtime.work(type, async () => void (runs += 1)));
    const first = await runtime.enqueue(type, { n: 1 }, { id: 'wh-nms-msg_1' });
    const again = await runtime.enqueue(type, { n: 1 }, { id: 'wh-nms-msg_1' });
    expect(first).toEqual({ id: 'wh-nms-msg_1', duplicate: false });
    expect(again).toEqual({ id: 'wh-nms-msg_1', duplicate: true });
    await waitUntil(() => runs === 1, 5_000, 'one run');
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(1);
    await expect(runtime.enqueue(type, { n: 1 }, { id: 'has space' })).rejects.toBeInstanceOf(InvalidJobArgsError);
  });

  it('refuses bad arguments at enqueue, naming the field, and stores nothing', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'typed', queue, args: z.object({ subnet: z.string().min(9), count: z.number().int() }) });
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    const before = (await env.bus.jsm.streams.info(env.topology.streams.jobs.name)).state.messages;
    const error = await runtime.enqueue(type, { subnet: '10', count: 1.5 }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidJobArgsError);
    expect(error.message).toContain('subnet:');
    expect(error.message).toContain('count:');
    expect(error.details.issues.map((i: { field: string }) => i.field)).toEqual(['subnet', 'count']);
    expect((await env.bus.jsm.streams.info(env.topology.streams.jobs.name)).state.messages).toBe(before);
  });

  it('dead-letters a permanent failure at once, and a discard with its reason', async () => {
    const queue = nextQueue();
    const perm = defineJob({ name: 'perm', queue, args: z.object({}), maxAttempts: 5, backoff: fast });
    const gone = defineJob({ name: 'gone', queue, args: z.object({}), maxAttempts: 5, backoff: fast });
    let permRuns = 0;
    const runtime = await env.runtime({ queues: { [queue]: 2 } });
    runtime.work(perm, async () => {
      permRuns += 1;
      throw new BadInput('device id is malformed');
    });
    runtime.work(gone, async () => discard('device was deleted'));
    await started(runtime);
    const a = await runtime.enqueue(perm, {});
    const b = await runtime.enqueue(gone, {});
    await waitUntil(async () => (await runtime.deadLetters.list({ queue })).length === 2, 5_000, 'two dead letters');
    expect(permRuns).toBe(1);
    expect(await runtime.deadLetters.get(a.id)).toMatchObject({
      outcome: 'discarded',
      attempts: 1,
      reason: 'permanent failure: device id is malformed',
    });
    const discarded = await runtime.deadLetters.get(b.id);
    expect(discarded).toMatchObject({ outcome: 'discarded', attempts: 1, reason: 'device was deleted' });
    expect(discarded!.errors[0]).toMatchObject({ class: 'permanent', code: 'JOB_DISCARDED' });
  });

  it('counts a job past its timeout as a failed attempt and aborts its signal', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'stuck', queue, args: z.object({}), maxAttempts: 2, timeoutMs: 100, backoff: fast });
    const aborted: boolean[] = [];
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    await started(
      runtime.work(type, async (_a, ctx) => {
        await new Promise((r) => setTimeout(r, 300));
        aborted.push(ctx.signal.aborted);
      }),
    );
    const { id } = await runtime.enqueue(type, {});
    await waitUntil(async () => (await runtime.deadLetters.get(id)) !== undefined, 5_000, 'dead letter');
    const dead = await runtime.deadLetters.get(id);
    expect(dead!.errors.map((e) => e.code)).toEqual(['JOB_TIMEOUT', 'JOB_TIMEOUT']);
    await waitUntil(() => aborted.length === 2, 2_000, 'both runs observed');
    expect(aborted).toEqual([true, true]);
  });

  it("honours an error's Retry-After over the backoff", async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'limited', queue, args: z.object({}), maxAttempts: 2, backoff: fast });
    const at: number[] = [];
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    await started(
      runtime.work(type, async () => {
        at.push(Date.now());
        if (at.length === 1) throw Object.assign(new Error('429 Too Many Requests'), { retryAfterMs: 600 });
      }),
    );
    await runtime.enqueue(type, {});
    await waitUntil(() => at.length === 2, 5_000, 'second attempt');
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(595);
  });

  it('runs a job enqueued to run later no earlier than asked', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'later', queue, args: z.object({}) });
    let ranAt = 0;
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    await started(runtime.work(type, async () => void (ranAt = Date.now())));
    const enqueuedAt = Date.now();
    await runtime.enqueue(type, {}, { runInMs: 700 });
    await waitUntil(() => ranAt > 0, 5_000, 'run');
    expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(695);
  });

  it('dead-letters a message that cannot be decoded instead of redelivering it', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'real', queue, args: z.object({}) });
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    await started(runtime.work(type, async () => undefined));
    const garbage = new Uint8Array([0xff, 0xfe, 0x7b, 0x00]);
    const h = headers();
    h.set('x-test', 'garbage');
    await env.bus.js.publish(env.topology.subjects.job(queue, 'real'), garbage, { headers: h });
    await env.bus.js.publish(env.topology.subjects.job(queue, 'real'), new TextEncoder().encode('{"v":1,"id":"x"}'));
    await waitUntil(async () => (await runtime.deadLetters.list({ queue })).length === 2, 5_000, 'two dead letters');
    const dead = await runtime.deadLetters.list({ queue });
    expect(dead.every((d) => d.outcome === 'undecodable')).toBe(true);
    expect(dead.map((d) => d.raw && [...d.raw])).toContainEqual([0xff, 0xfe, 0x7b, 0x00]);
    const info = await env.bus.jsm.consumers.info(env.topology.streams.jobs.name, `jobs-${queue}`);
    expect(info.num_pending + info.num_ack_pending).toBe(0);

    // The same on the waiting side: the scheduler dead-letters it instead of moving it.
    await env.bus.js.publish(env.topology.subjects.scheduledJob(queue, 'real'), new TextEncoder().encode('not json'));
    await waitUntil(async () => (await runtime.deadLetters.list({ queue })).length === 3, 5_000, 'third dead letter');
    expect((await runtime.deadLetters.list({ queue, worker: 'real' }))[0]).toMatchObject({ outcome: 'undecodable', worker: 'real' });
  });

  it('keeps a job in JetStream while its dead letter cannot be written, and writes it later', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'orphan', queue, args: z.object({}), maxAttempts: 1 });
    const runtime = await env.runtime({ queues: { [queue]: 1 }, deadLetterRetryMs: 300 });
    await started(runtime.work(type, async () => Promise.reject(new Error('always'))));
    await env.db.pool.query('ALTER TABLE dead_jobs RENAME TO dead_jobs_away');
    let id = '';
    try {
      ({ id } = await runtime.enqueue(type, {}));
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await env.db.pool.query('ALTER TABLE dead_jobs_away RENAME TO dead_jobs');
    }
    await waitUntil(async () => (await runtime.deadLetters.get(id)) !== undefined, 5_000, 'dead letter written after recovery');
    expect(await runtime.deadLetters.get(id)).toMatchObject({ outcome: 'exhausted', attempts: 1 });
  });

  it('lists, retries with a fresh attempt count, and deletes dead jobs', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'second-chance', queue, args: z.object({ n: z.number() }), maxAttempts: 1 });
    let fail = true;
    const ran: number[] = [];
    const runtime = await env.runtime({ queues: { [queue]: 1 } });
    await started(
      runtime.work(type, async ({ n }, ctx) => {
        ran.push(ctx.attempt);
        if (fail) throw new Error(`fail ${n}`);
      }),
    );
    const first = await runtime.enqueue(type, { n: 1 });
    const second = await runtime.enqueue(type, { n: 2 });
    await waitUntil(async () => (await runtime.listDeadJobs({ queue })).length === 2, 5_000, 'two dead');
    const page = await runtime.listDeadJobs({ queue, limit: 1 });
    expect(page).toHaveLength(1);
    const rest = await runtime.listDeadJobs({ queue, before: { deadAt: page[0]!.deadAt, id: page[0]!.id } });
    expect(rest.map((d) => d.id)).not.toContain(page[0]!.id);
    expect([page[0]!.id, rest[0]!.id].sort()).toEqual([first.id, second.id].sort());

    fail = false;
    ran.length = 0;
    const retried = await runtime.retryDeadJob(first.id);
    expect(retried.id).not.toBe(first.id);
    await waitUntil(() => ran.length === 1, 5_000, 'retried job ran');
    expect(ran).toEqual([1]);
    expect(await runtime.deadLetters.get(first.id)).toBeUndefined();
    expect(await runtime.deleteDeadJob(second.id)).toBe(true);
    expect(await runtime.deleteDeadJob(second.id)).toBe(false);
  });

  it('hands running jobs back on stop so another replica takes them at once', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'long', queue, args: z.object({}) });
    const runs: string[] = [];
    const a = await env.runtime({ queues: { [queue]: 1 }, ackWaitMs: 20_000 });
    await started(
      a.work(type, async () => {
        runs.push('a');
        await new Promise((r) => setTimeout(r, 5_000));
      }),
    );
    await a.enqueue(type, {});
    await waitUntil(() => runs.length === 1, 5_000, 'a started');
    const b = await env.runtime({ queues: { [queue]: 1 }, ackWaitMs: 20_000 });
    await started(b.work(type, async () => void runs.push('b')));
    const stoppedAt = Date.now();
    await a.stop(100);
    await waitUntil(() => runs.includes('b'), 5_000, 'b took it');
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });

  it('counts outcomes in the metrics', async () => {
    const queue = nextQueue();
    const type = defineJob({ name: 'counted', queue, args: z.object({ ok: z.boolean() }), maxAttempts: 1 });
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    const runtime = await env.runtime({ queues: { [queue]: 2 }, registry });
    await started(
      runtime.work(type, async ({ ok }) => {
        if (!ok) throw new Error('no');
      }),
    );
    await runtime.enqueue(type, { ok: true });
    await runtime.enqueue(type, { ok: true });
    await runtime.enqueue(type, { ok: false });
    await waitUntil(async () => (await registry.getSingleMetricAsString('jobs_dead_letters_total')).includes('} 1'), 5_000, 'metrics');
    const text = await registry.metrics();
    expect(text).toContain(`jobs_total{queue="${queue}",worker="counted",outcome="completed"} 2`);
    expect(text).toContain(`jobs_total{queue="${queue}",worker="counted",outcome="exhausted"} 1`);
    expect(text).toContain(`jobs_dead_letters_total{queue="${queue}",worker="counted",outcome="exhausted"} 1`);
    expect(text).toContain(`jobs_enqueued_total{queue="${queue}",worker="counted"} 3`);
    expect(text).toContain(`job_duration_seconds_count{queue="${queue}",worker="counted"} 3`);
    expect(text).toContain(`jobs_queue_depth{queue="${queue}"} 0`);
  });
});
