import { COLLECTOR_HEARTBEAT_TTL_MS } from '@switch-telemetry/bus';
import { TcpOutage, natsTestUrl } from '@switch-telemetry/bus/testing';
import { GnmiTarget } from '@switch-telemetry/sim';
import { Registry } from 'prom-client';
import { addGnmiFleet, createCollectorEnv, waitFor, type CollectorEnv } from './harness';

// The production heartbeat TTL: the fence's margin (a quarter of it) is what is under test.
const TTL_MS = COLLECTOR_HEARTBEAT_TTL_MS;

// A replica cut off from NATS (its link breaks; the others still see NATS)
// cannot renew its heartbeat. It must stop collecting before the others may
// take its devices, or a device would be collected twice. The simulated
// targets count the Subscribe streams open on them: two at once is the fault.

const DEVICES = 6;
let env: CollectorEnv;
let link: TcpOutage;
let targets: GnmiTarget[] = [];

beforeAll(async () => {
  env = await createCollectorEnv('part', undefined, { heartbeatTtlMs: TTL_MS });
  const nats = new URL(natsTestUrl());
  link = await TcpOutage.start({ host: nats.hostname, port: Number(nats.port || 4222) });
  ({ targets } = await addGnmiFleet(env, 'part', 7, DEVICES));
});
afterAll(async () => {
  // Back on NATS first, so the cut-off replica's stop can hand over instead of waiting out its timeouts.
  link.up();
  await env.dispose();
  await link.close();
  for (const t of targets) await t.stop();
});

const running = (c: { statuses(): Array<{ device: string; state: string }> }) =>
  c
    .statuses()
    .filter((s) => s.state === 'synced' || s.state === 'up' || s.state === 'connecting')
    .map((s) => s.device);
const synced = (c: { statuses(): Array<{ device: string; state: string }> }) =>
  c
    .statuses()
    .filter((s) => s.state === 'synced')
    .map((s) => s.device);

it('a replica cut off from NATS stops collecting before another takes its devices; never two streams on one device', async () => {
  const registry = new Registry();
  const fresh = async () => (await registry.getSingleMetric('collector_heartbeat_fresh')!.get()).values[0]?.value;
  const cutOff = await env.collector({ natsUrl: `nats://127.0.0.1:${link.port}`, registry });
  const other = await env.collector();
  await waitFor(
    () => synced(cutOff).length + synced(other).length === DEVICES && synced(cutOff).length > 0 && synced(other).length > 0,
    20_000,
    'shared',
  );
  const itsDevices = synced(cutOff);
  expect(await fresh()).toBe(1);

  link.down();
  const cutAt = Date.now();
  // Fenced at 3/4 of the heartbeat TTL after its last stored heartbeat, well before the TTL.
  await waitFor(() => running(cutOff).length === 0, TTL_MS, 'the cut-off replica stops collecting');
  const fencedMs = Date.now() - cutAt;
  expect(fencedMs).toBeLessThan(TTL_MS);
  // What the CollectorFenced alert watches: up, yet running nothing.
  expect(await fresh()).toBe(0);
  await waitFor(() => synced(other).length === DEVICES, TTL_MS + 10_000, 'the other runs every device');
  console.log(
    `partition: fenced after ${fencedMs} ms, devices running elsewhere after ${Date.now() - cutAt} ms (heartbeat TTL ${TTL_MS} ms)`,
  );
  expect(targets.filter((t) => t.peakOpenStreams > 1).map((t) => t.options.name)).toEqual([]);
  expect(itsDevices.every((d) => synced(other).includes(d))).toBe(true);

  // Back on NATS it joins again, and devices are shared without overlap.
  link.up();
  await waitFor(() => synced(cutOff).length > 0 && synced(cutOff).length + synced(other).length === DEVICES, 30_000, 'shared again');
  expect(targets.filter((t) => t.peakOpenStreams > 1).map((t) => t.options.name)).toEqual([]);
}, 60_000);
