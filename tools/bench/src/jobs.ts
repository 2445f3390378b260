import { AckPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { connectBus, createTopology, provisionTopology, type Bus } from '@switch-telemetry/bus';
import { createPool, ensureDatabase, migrate } from '@switch-telemetry/db';
import { JobRuntime, defineJob } from '@switch-telemetry/jobs';
import { createLogger } from '@switch-telemetry/logging';
import { deleteNamespace } from '@switch-telemetry/bus/testing';
import { alternate, rateOf, round, until, windowed } from './measure';

// 50,000 jobs through one queue (the required floor: 50,000 jobs), twice each, best round kept.
const JOBS = Number(process.env.BENCH_JOBS ?? 50_000);
const ROUNDS = 2;
// In-flight publishes while enqueueing; the same for the baseline.
const PUBLISH_WINDOW = 1_000;
// The queue's concurrency, and the baseline consumer's max ack pending.
const CONCURRENCY = 256;
const TIMEOUT_MS = 300_000;

const log = createLogger({ app: 'bench', level: process.env.LOG_LEVEL ?? 'warn' });
const payload = new TextEncoder().encode(JSON.stringify({ device: 'leaf-01', n: 0 }));

/** Raw JetStream: publish N messages to a work-queue stream and pull-consume + ack them. */
async function rawRound(bus: Bus, ns: string, round: number): Promise<void> {
  const stream = `${ns}_RAW${round}`;
  await bus.jsm.streams.add({
    name: stream,
    subjects: [`${ns}.raw${round}.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  });
  await bus.jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, max_ack_pending: CONCURRENCY });
  const consumer = await bus.js.consumers.get(stream, 'raw');
  let acked = 0;
  const messages = await consumer.consume({ max_messages: CONCURRENCY });
  const consuming = (async () => {
    for await (const msg of messages) {
      msg.ack();
      acked += 1;
      if (acked === JOBS) break;
    }
  })();
  // The same publish path the runtime uses (bus.publish), without envelope, validation or job logic.
  await windowed(JOBS, PUBLISH_WINDOW, () => bus.publish(`${ns}.raw${round}.x`, payload));
  await until(() => acked === JOBS, TIMEOUT_MS, 'raw messages consumed');
  messages.stop();
  await consuming;
  await bus.jsm.streams.delete(stream);
}

/** The job runtime: enqueue N no-op jobs (validated, enveloped) and run them through one queue. */
async function jobsRound(runtime: JobRuntime, done: () => number, type: ReturnType<typeof benchJob>): Promise<void> {
  const before = done();
  await windowed(JOBS, PUBLISH_WINDOW, (n) => runtime.enqueue(type, { device: 'leaf-01', n }));
  await until(() => done() - before === JOBS, TIMEOUT_MS, 'jobs done');
}

const benchJob = () => defineJob({ name: 'noop', queue: 'bench', args: z.object({ device: z.string(), n: z.number() }) });

export async function jobsBench(): Promise<Record<string, unknown>> {
  const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/switch_telemetry';
  const ns = `bench_${Date.now().toString(36)}`;
  const topology = createTopology({ namespace: ns });
  const bus = await connectBus({ servers, name: 'bench-raw', log });
  const workerBus = await connectBus({ servers, name: 'bench-jobs', log });
  await ensureDatabase(databaseUrl);
  const pool = createPool({ url: databaseUrl, applicationName: 'bench', log, max: 4 });
  await migrate(pool, log);
  await provisionTopology(bus.jsm, topology, log);

  const type = benchJob();
  let completed = 0;
  const runtime = new JobRuntime({ bus: workerBus, topology, pool, log, registry: new Registry(), queues: { bench: CONCURRENCY } });
  runtime.work(type, async () => void (completed += 1));
  await runtime.start();

  try {
    const { base: raw, ours: jobs } = await alternate(
      ROUNDS,
      (r) => rateOf(JOBS, () => rawRound(bus, ns, r)),
      () => rateOf(JOBS, () => jobsRound(runtime, () => completed, type)),
      (b, o) => `raw ${round(b)} msg/s, jobs ${round(o)} jobs/s`,
    );
    const value = Math.max(...jobs);
    const baseline = Math.max(...raw);
    return {
      value: round(value),
      unit: 'jobs/s',
      baseline: round(baseline),
      ratio: round(value / baseline, 3),
      jobs: JOBS,
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
      publish_window: PUBLISH_WINDOW,
    };
  } finally {
    await runtime.stop(1_000);
    await deleteNamespace(bus, topology);
    await pool.end();
    await workerBus.close();
    await bus.close();
  }
}
