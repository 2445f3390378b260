import { createTopology, kvDelete, kvPut, provisionTopology, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { Membership } from '../src/membership';
import { log, waitFor } from './harness';

// Membership against the real NATS: the lease view must heal itself, or a
// dead member's devices would never be taken over.

let bus: Bus;
let topology: Topology;
const members: Membership[] = [];

beforeAll(async () => {
  topology = createTopology({ namespace: uniqueNamespace('memb'), collectorHeartbeatTtlMs: 4_000 });
  bus = await withTestBus('membership-test');
  await provisionTopology(bus.jsm, topology, log);
});
afterAll(async () => {
  for (const m of members) await m.leave();
  await deleteNamespace(bus, topology);
  await bus.close();
});

async function join(id: string): Promise<Membership> {
  const m = new Membership(bus, topology, log, undefined, id);
  await m.join();
  members.push(m);
  return m;
}

const leaseWatch = (m: Membership) => (m as unknown as { watcher: { stop(): void } }).watcher;

it('takes over a dead member’s device even when its view of the leases missed the dead member’s write', async () => {
  const a = await join('memb-a');
  // While a's watch is down, a member that then dies writes the lease: a's view lacks it.
  leaseWatch(a).stop();
  await kvPut(bus, topology.buckets.deviceLeases.name, 'dev-1', 'memb-ghost');
  // The first try compares against "never written" and fails; it reads the lease as it is, so a later round succeeds.
  let held = new Set<string>();
  await waitFor(
    async () => {
      held = await a.acquire(['dev-1'], ['memb-a']);
      return held.has('dev-1');
    },
    5_000,
    'dev-1 taken over',
  );
  expect(a.owned).toEqual(['dev-1']);
});

it('watches the leases again when its watch ends, so later writes are seen', async () => {
  const b = await join('memb-b');
  leaseWatch(b).stop();
  // Started again after a second; a lease written after that reaches b's view.
  await new Promise((r) => setTimeout(r, 1_500));
  await kvPut(bus, topology.buckets.deviceLeases.name, 'dev-2', 'memb-b');
  await waitFor(() => b.owned.includes('dev-2'), 5_000, 'the lease written after the restart seen');
});

it('leaves a device with a holder that its listing missed while the stream leader still holds the holder’s heartbeat', async () => {
  const c = await join('memb-c');
  const d = await join('memb-d');
  expect([...(await c.acquire(['dev-3'], ['memb-c', 'memb-d']))]).toEqual(['dev-3']);
  await waitFor(
    () => (d as unknown as { leases: Map<string, { owner: string | null }> }).leases.get('dev-3')?.owner === 'memb-c',
    5_000,
    'd sees c’s lease',
  );
  // d's listing misses c (read from a replica still catching up, say): d must not take c's device.
  expect((await d.acquire(['dev-3'], ['memb-d'])).has('dev-3')).toBe(false);
  // Once c's heartbeat is gone from the stream, d takes it.
  clearInterval((c as unknown as { heartbeat: NodeJS.Timeout }).heartbeat);
  await kvDelete(bus, topology.buckets.collectors.name, 'memb-c');
  await waitFor(async () => (await d.acquire(['dev-3'], ['memb-d'])).has('dev-3'), 5_000, 'taken once c’s heartbeat is gone');
});
