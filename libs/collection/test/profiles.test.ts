import type { Subscription } from '@switch-telemetry/contracts';
import { ProfileRepository } from '@switch-telemetry/inventory';
import { OutboxRelay } from '@switch-telemetry/outbox';
import { GnmiTarget } from '@switch-telemetry/sim';
import type { Collector } from '../src';
import { addGnmiFleet, createCollectorEnv, log, waitFor, type CollectorEnv } from './harness';

// A subscription profile edited while 100 simulated gNMI devices run it: the change reaches every
// device that names the profile through its device event (relayed from the outbox to NATS), each
// session changes only the subscriptions that changed on its live connection, and a device that does
// not name the profile is not touched.

const DEVICES = 100;
let env: CollectorEnv;
let relay: OutboxRelay;
let collector: Collector;
let profiles: ProfileRepository;
const targets: GnmiTarget[] = [];
let loner: GnmiTarget;

const interfaces = (intervalMs: number): Subscription => ({
  name: 'interfaces',
  paths: ['/interfaces'],
  mode: 'sample',
  interval_ms: intervalMs,
});
const memory: Subscription = { name: 'memory', paths: ['/system/memory'], mode: 'sample', interval_ms: 200 };
const cpu: Subscription = { name: 'cpu', paths: ['/system/cpus'], mode: 'sample', interval_ms: 200 };

async function subjectsWithMessages(subscription: string): Promise<number> {
  const info = await env.bus.jsm.streams.info(env.topology.streams.telemetry.name, {
    subjects_filter: `${env.topology.namespace}.telemetry.*.${subscription}`,
  });
  return Object.keys(info.state.subjects ?? {}).length;
}

beforeAll(async () => {
  env = await createCollectorEnv('profiles');
  profiles = new ProfileRepository(env.db.pool, env.topology);
  await profiles.put('leaf-counters', { description: '', subscriptions: [interfaces(200)] });
  // The profile's devices also run a subscription of their own; the loner runs the profile's paths as its own.
  targets.push(...(await addGnmiFleet(env, 'prof', 60, DEVICES, { profiles: ['leaf-counters'], subscriptions: [cpu] })).targets);
  loner = (await addGnmiFleet(env, 'loner', 62, 1)).targets[0]!;
  relay = new OutboxRelay({ pool: env.db.pool, bus: env.bus, log, pollMs: 100 });
  relay.start();
  collector = await env.collector();
}, 60_000);

afterAll(async () => {
  await relay.stop();
  await env.dispose();
  for (const t of [...targets, loner]) await t.stop();
}, 30_000);

it('reaches all 100 running devices that name the profile, restarting only the subscriptions that changed', async () => {
  await waitFor(() => collector.statuses().filter((s) => s.state === 'synced').length === DEVICES + 1, 30_000, 'every session synced');
  // Each profile device runs two streams (the profile's interfaces, its own cpu); the loner one.
  await waitFor(() => targets.every((t) => t.openStreams === 2) && loner.openStreams === 1, 10_000, 'streams open');
  const callsBefore = targets.map((t) => t.subscribeCalls);
  const lonerCalls = loner.subscribeCalls;
  const restartsBefore = new Map(collector.statuses().map((s) => [s.device, s.restarts]));

  const edited = await profiles.put('leaf-counters', { description: 'faster, with memory', subscriptions: [interfaces(100), memory] });
  expect(edited.devices).toBe(DEVICES);
  relay.kick();

  // Every device of the profile sends the new subscription.
  await waitFor(async () => (await subjectsWithMessages('memory')) === DEVICES, 30_000, 'memory from every profile device');
  await waitFor(() => targets.every((t) => t.openStreams === 3), 10_000, 'three streams on every profile device');
  // Two new streams each (interfaces changed, memory added); cpu, the device's own, kept its stream.
  expect(targets.map((t, i) => t.subscribeCalls - callsBefore[i]!)).toEqual(targets.map(() => 2));
  // No session was restarted, and the device without the profile was not touched.
  for (const s of collector.statuses()) expect(s.restarts).toBe(restartsBefore.get(s.device));
  expect(loner.subscribeCalls).toBe(lonerCalls);
  expect(loner.openStreams).toBe(1);
  expect(
    collector
      .knownDevices()
      .find((d) => d.id === 'prof-7')!
      .effective_subscriptions.map((s) => s.name),
  ).toEqual(['interfaces', 'memory', 'cpu']);
}, 90_000);
