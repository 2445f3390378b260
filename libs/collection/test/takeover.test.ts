import { COLLECTOR_HEARTBEAT_TTL_MS } from '@switch-telemetry/bus';
import { GnmiTarget } from '@switch-telemetry/sim';
import { addGnmiFleet, createCollectorEnv, spawnChildCollector, waitFor, type CollectorEnv } from './harness';

// Three replicas with the production timings (heartbeat TTL 8 s, renewed
// every 2 s, the default session policy and reconcile period). The devices
// themselves are the witnesses of "never two owners": each simulated target
// counts the Subscribe streams open on it, and two replicas collecting one
// device at once would show as two.

const DEVICES = 12;
const TAKEOVER_LIMIT_MS = 15_000;
let env: CollectorEnv;
let targets: GnmiTarget[] = [];

beforeAll(async () => {
  env = await createCollectorEnv('tko', undefined, { heartbeatTtlMs: COLLECTOR_HEARTBEAT_TTL_MS });
  ({ targets } = await addGnmiFleet(env, 'tko', 5, DEVICES));
});
afterAll(async () => {
  await env.dispose();
  for (const t of targets) await t.stop();
});

const PRODUCTION = { policy: {}, reconcileMs: undefined, statusRefreshMs: undefined };
const synced = (c: { statuses(): Array<{ device: string; state: string }> }) =>
  c
    .statuses()
    .filter((s) => s.state === 'synced')
    .map((s) => s.device);
const twice = () => targets.filter((t) => t.peakOpenStreams > 1).map((t) => t.options.name);

it(`three replicas: a SIGKILLed one's devices run again on the others within ${TAKEOVER_LIMIT_MS / 1_000} s, and no device is ever collected twice`, async () => {
  const { child, owns } = spawnChildCollector(env, 'production');
  try {
    const a = await env.collector(PRODUCTION);
    const b = await env.collector(PRODUCTION);
    // The first connects are spread over 5 s; the three find each other as they start.
    await waitFor(
      () => synced(a).length + synced(b).length + owns().length === DEVICES && [synced(a), synced(b), owns()].every((s) => s.length > 0),
      40_000,
      'every device running, each replica with some',
    );
    expect(twice()).toEqual([]);
    const lost = owns();

    child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => synced(a).length + synced(b).length === DEVICES, TAKEOVER_LIMIT_MS + 5_000, 'the survivors run every device');
    const takeoverMs = Date.now() - killedAt;
    console.log(`takeover after SIGKILL: ${takeoverMs} ms for ${lost.length} devices (heartbeat TTL ${COLLECTOR_HEARTBEAT_TTL_MS} ms)`);
    expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_LIMIT_MS);
    expect(synced(a).filter((d) => synced(b).includes(d))).toEqual([]);
    expect(twice()).toEqual([]);

    // A graceful stop hands over at once, still one stream per device.
    const stoppedAt = Date.now();
    await a.stop();
    await waitFor(() => synced(b).length === DEVICES, 10_000, 'the last replica runs every device');
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(twice()).toEqual([]);
    expect(targets.every((t) => t.openStreams === 1)).toBe(true);
    await b.stop();
  } finally {
    child.kill('SIGKILL');
  }
}, 90_000);
