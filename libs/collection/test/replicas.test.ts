import { Kvm } from '@nats-io/kv';
import { Registry } from 'prom-client';
import { GnmiTarget } from '@switch-telemetry/sim';
import { addGnmiFleet, createCollectorEnv, spawnChildCollector, waitFor, type CollectorEnv } from './harness';

const DEVICES = 8;
let env: CollectorEnv;
let sims: GnmiTarget[] = [];
let ids: string[] = [];

beforeAll(async () => {
  env = await createCollectorEnv('rep');
  ({ ids, targets: sims } = await addGnmiFleet(env, 'rep', 3, DEVICES));
});
afterAll(async () => {
  await env.dispose();
  for (const s of sims) await s.stop();
});

const synced = (c: { statuses(): Array<{ device: string; state: string }> }) =>
  c
    .statuses()
    .filter((s) => s.state === 'synced')
    .map((s) => s.device);

it('two collectors own every device exactly once, and a SIGKILLed one loses its devices to the other once its heartbeat expires', async () => {
  const { child, owns } = spawnChildCollector(env);
  let stopA: (() => Promise<void>) | undefined;
  try {
    const a = await env.collector();
    stopA = () => a.stop();
    await waitFor(
      () => synced(a).length + owns().length === DEVICES && owns().length > 0 && synced(a).length > 0,
      20_000,
      'all devices running on the two',
    );
    const mine = synced(a);
    expect(mine.filter((d) => owns().includes(d))).toEqual([]);
    expect([...mine, ...owns()].sort()).toEqual([...ids].sort());
    // The leases agree: one holder per device.
    const leases = await new Kvm(env.bus.js).open(env.topology.buckets.deviceLeases.name);
    const holders = new Set<string>();
    for (const id of ids) holders.add((await leases.get(id))!.string());
    expect(holders.size).toBe(2);

    child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => synced(a).length === DEVICES, 15_000, 'the survivor runs every device');
    const takeover = Date.now() - killedAt;
    // Heartbeat TTL 4 s here (8 s in production): the devices move once the dead member's heartbeat expires, then
    // within a round (1 s), the leader's word on the dead member, and a session start and sync each. Those took
    // 3-4 s on a loaded two-core machine.
    expect(takeover).toBeLessThan(4_000 + 5_000);
  } finally {
    child.kill('SIGKILL');
    // Left running, this collector would keep a share of the devices in the next test.
    await stopA?.();
  }
});

/** A gauge's value as /metrics would show it. */
async function gauge(registry: Registry, name: string): Promise<number | undefined> {
  return (await registry.getSingleMetric(name)?.get())?.values[0]?.value;
}

it('hands devices over at once on a graceful stop, well before any heartbeat expires', async () => {
  const registry = new Registry();
  const a = await env.collector();
  const b = await env.collector({ registry });
  await waitFor(() => synced(a).length + synced(b).length === DEVICES && synced(a).length > 0 && synced(b).length > 0, 20_000, 'shared');
  expect(await gauge(registry, 'collector_members')).toBe(2);
  expect(await gauge(registry, 'collector_heartbeat_fresh')).toBe(1);
  const stoppedAt = Date.now();
  await a.stop();
  await waitFor(() => synced(b).length === DEVICES, 10_000, 'b runs them all');
  expect(Date.now() - stoppedAt).toBeLessThan(3_000);
  // A replica that left is no longer counted by the others.
  expect(await gauge(registry, 'collector_members')).toBe(1);
  await b.stop();
});
