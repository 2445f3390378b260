import { createTopology, provisionTopology, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { createLogger } from '@switch-telemetry/logging';
import { Registry } from 'prom-client';
import { JobRuntime, type JobRuntimeOptions } from '../runtime';

/** Polls `check` every 20 ms until it is true; fails after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface JobTestEnv {
  topology: Topology;
  db: TestDatabase;
  /** A connection for the test itself (publishing raw messages, reading consumer info). */
  bus: Bus;
  natsUrl: string;
  /** A runtime on its own NATS connection, as a separate replica would have. Stopped by `dispose()`. */
  runtime(options?: Partial<JobRuntimeOptions>): Promise<JobRuntime>;
  dispose(): Promise<void>;
}

/** A namespace on the real NATS and a migrated database of its own, for one test file. */
export async function createJobTestEnv(label = 'jobs'): Promise<JobTestEnv> {
  const topology = createTopology({ namespace: uniqueNamespace(label) });
  const db = await createTestDatabase();
  const bus = await withTestBus(`${label}-test`);
  const log = createLogger({ app: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  await provisionTopology(bus.jsm, topology, log);
  const opened: Array<{ runtime: JobRuntime; bus: Bus }> = [];
  return {
    topology,
    db,
    bus,
    natsUrl: natsTestUrl(),
    async runtime(options = {}) {
      const own = await withTestBus(`${label}-replica-${opened.length}`);
      const runtime = new JobRuntime({ bus: own, topology, pool: db.pool, log, registry: new Registry(), ...options });
      opened.push({ runtime, bus: own });
      return runtime;
    },
    async dispose() {
      for (const { runtime, bus: own } of opened) {
        await runtime.stop(100);
        await own.close();
      }
      await deleteNamespace(bus, topology);
      await bus.close();
      await db.drop();
    },
  };
}
