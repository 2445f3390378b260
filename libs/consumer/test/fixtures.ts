import { createTopology, ensureStream, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import type { TelemetryMessage } from '../src';

/** A message as the collector publishes one for an interface's counters (gNMI, a prefix and three updates). */
export function counterMessage(device: string, i: number, subscription = 'interfaces'): TelemetryMessage {
  return {
    v: 1,
    device,
    source: 'gnmi',
    subscription,
    ts: String(1_764_000_000_000_000_000n + BigInt(i) * 1_000_000n), // beyond 2^53: a decimal string, as the collector sends it
    prefix: '/interfaces/interface[name=Ethernet1]',
    updates: [
      { path: 'state/counters/in-octets', value: String(1_000_000 + i) },
      { path: 'state/counters/out-octets', value: 2_000 + i },
      { path: 'state/oper-status', value: 'UP' },
    ],
    deletes: [],
  };
}

export interface TelemetryEnv {
  bus: Bus;
  topology: Topology;
  publish(message: TelemetryMessage): Promise<void>;
  /** Any body, on a device's subject. */
  publishRaw(device: string, body: string): Promise<void>;
  dispose(): Promise<void>;
}

/** A TELEMETRY stream of its own on the test NATS (deleted by dispose). */
export async function telemetryEnv(label: string): Promise<TelemetryEnv> {
  const topology = createTopology({ namespace: uniqueNamespace(label) });
  const bus = await withTestBus(`${label}-test`);
  await ensureStream(bus.jsm, topology.streams.telemetry);
  return {
    bus,
    topology,
    async publish(message) {
      await bus.publish(
        topology.subjects.telemetry(message.device, message.subscription),
        new TextEncoder().encode(JSON.stringify(message)),
      );
    },
    async publishRaw(device, body) {
      await bus.publish(topology.subjects.telemetry(device, 'interfaces'), new TextEncoder().encode(body));
    },
    async dispose() {
      await deleteNamespace(bus, topology);
      await bus.close();
    },
  };
}

/** Resolves when `check` holds, polling every 10 ms; throws after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
