import { createTopology, kvPut, provisionTopology, type Bus, type Topology } from '@switch-telemetry/bus';
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
