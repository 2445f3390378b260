import { randomBytes } from 'node:crypto';
import { createLogger } from '@switch-telemetry/logging';
import { connectBus, type Bus } from '../connection';
import type { Topology } from '../topology';

/** The NATS the integration tests use: $NATS_URL or the local default. */
export function natsTestUrl(): string {
  return process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
}

/** A namespace no other test run uses (streams, buckets and subjects). */
export function uniqueNamespace(label = 't'): string {
  return `${label}_${randomBytes(4).toString('hex')}`;
}

const HOW_TO_START = 'npm test starts it before the tests; alone: npm run services:up';

/** Connects to the test NATS, or fails with a message that says how to start it. */
export async function withTestBus(name: string, url = natsTestUrl()): Promise<Bus> {
  try {
    return await connectBus({ servers: url, name, log: createLogger({ app: name, level: 'silent' }), connectTimeoutMs: 2_000 });
  } catch (err) {
    throw new Error(`NATS with JetStream is not answering at ${url}; ${HOW_TO_START}`, { cause: err });
  }
}

/** Deletes every stream and bucket of a test topology (tests only; production never deletes). */
export async function deleteNamespace(bus: Bus, topology: Topology): Promise<void> {
  const names = [...Object.values(topology.streams).map((s) => s.name), ...Object.values(topology.buckets).map((b) => `KV_${b.name}`)];
  for (const name of names) {
    await bus.jsm.streams.delete(name).catch(() => undefined);
  }
}
