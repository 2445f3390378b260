import { openBucket } from '@switch-telemetry/bus';
import { Kvm } from '@nats-io/kv';
import { NetconfDevice, type GnmiTarget } from '@switch-telemetry/sim';
import { sessionCleanup } from '../src';
import { createCollectorEnv, gnmiTargets, waitFor, type CollectorEnv } from './harness';

let env: CollectorEnv;
const sims: Array<{ stop(): Promise<void> }> = [];
const gnmi = gnmiTargets('s', 40, sims);
const subs = [{ name: 'interfaces', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample' as const, interval_ms: 100 }];
/** A plaintext gNMI device on simulated target `t`, sampling the interface counters every 100 ms. */
const addGnmiDevice = (id: string, t: GnmiTarget, credentials = 'st_test_gnmi') =>
  env.addDevice({
    id,
    protocol: 'gnmi',
    address: t.options.host,
    port: t.port,
    credentials,
    tls: { plaintext: true },
    subscriptions: subs,
  });

beforeAll(async () => {
  env = await createCollectorEnv('sess');
  process.env.DEVICE_CREDENTIALS_ST_TEST_GNMI = 'admin:pw-gnmi';
  process.env.DEVICE_CREDENTIALS_ST_TEST_GNMI_BAD = 'admin:wrong';
});
afterAll(async () => {
  await env.dispose();
  for (const s of sims) await s.stop();
});

/** Session events for one device, as a downstream consumer sees them. */
function watchEvents(device: string): Array<{
  event: string;
  body: { state: string; since: string; retry_at?: string; restarts: number; last_error: { code: string; message: string } | null };
}> {
  const seen: Array<{
    event: string;
    body: { state: string; since: string; retry_at?: string; restarts: number; last_error: { code: string; message: string } | null };
  }> = [];
  const sub = env.bus.nc.subscribe(`${env.topology.namespace}.events.>`);
  void (async () => {
    for await (const m of sub) {
      const body = m.json<{ device?: string } & (typeof seen)[number]['body']>();
      if (body.device === device) seen.push({ event: m.subject.slice(env.topology.namespace.length + 1), body });
    }
  })();
  return seen;
}

describe('supervised sessions', () => {
  it('restarts a flapping device with growing delays, and alerts when it goes down', async () => {
    const t = await gnmi({ fault: 'drop', dropAfter: 2 });
    const events = watchEvents('flappy');
    await addGnmiDevice('flappy', t);
    const collector = await env.collector();
    await waitFor(() => events.filter((e) => e.event === 'events.session.backoff').length >= 4, 15_000, 'four backoffs');
    const delays = events
      .filter((e) => e.event === 'events.session.backoff')
      .map((e) => Date.parse(e.body.retry_at!) - Date.parse(e.body.since));
    // 200 ms · 2^(n-1) plus up to 50 %: each wait is at least the previous one's base doubled.
    for (let i = 0; i < 4; i += 1) {
      expect(delays[i]!).toBeGreaterThanOrEqual(200 * 2 ** i - 5);
      expect(delays[i]!).toBeLessThanOrEqual(300 * 2 ** i + 5);
    }
    expect(events.some((e) => e.event === 'events.alert.session_down')).toBe(true);
    expect(events.find((e) => e.event === 'events.session.backoff')!.body.last_error).toMatchObject({
      code: 'GNMI_RPC',
      message: expect.stringContaining('UNAVAILABLE'),
    });
    await collector.stop();
    await env.devices.delete('flappy');
  });

  it('parks a session whose credentials are refused, instead of hammering the device', async () => {
    const t = await gnmi();
    const events = watchEvents('badcreds');
    await addGnmiDevice('badcreds', t, 'st_test_gnmi_bad');
    const collector = await env.collector();
    await waitFor(() => collector.statuses().some((s) => s.device === 'badcreds' && s.state === 'auth_failed'), 5_000, 'auth_failed');
    const parked = events.find((e) => e.event === 'events.session.auth_failed')!;
    expect(Date.parse(parked.body.retry_at!) - Date.parse(parked.body.since)).toBeGreaterThanOrEqual(59_000);
    expect(parked.body.last_error).toMatchObject({
      code: 'GNMI_RPC',
      message: 'the device refused the credentials (gRPC UNAUTHENTICATED)',
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(collector.statuses().find((s) => s.device === 'badcreds')!.restarts).toBe(1);
    await collector.stop();
    await env.devices.delete('badcreds');
  });

  it('restarts a device that goes silent as stale', async () => {
    const t = await gnmi({ fault: 'stall' });
    const events = watchEvents('silent');
    await addGnmiDevice('silent', t);
    const collector = await env.collector();
    await waitFor(() => events.filter((e) => e.event === 'events.session.stale').length >= 2, 10_000, 'two stale restarts');
    expect(collector.statuses().find((s) => s.device === 'silent')!.restarts).toBeGreaterThanOrEqual(2);
    await collector.stop();
    await env.devices.delete('silent');
  });

  it('has the cleanup job find stale sessions in the KV and ask their owner to restart them', async () => {
    const t = await gnmi();
    await env.addDevice({
      id: 'quiet',
      protocol: 'gnmi',
      address: t.options.host,
      port: t.port,
      credentials: 'st_test_gnmi',
      tls: { plaintext: true },
      subscriptions: [{ ...subs[0]!, interval_ms: 60_000 }],
    });
    const collector = await env.collector({
      policy: {
        spreadMs: 0,
        backoff: { baseMs: 200, capMs: 3_000, jitter: 0.5 },
        parkMs: 60_000,
        staleMs: 600_000,
        healthyAfterMs: 30_000,
      },
    });
    await waitFor(() => collector.statuses().some((s) => s.device === 'quiet' && s.state === 'synced'), 5_000, 'synced');
    await new Promise((r) => setTimeout(r, 1_200)); // the KV refresh carries a last update over a second old
    const asked = await sessionCleanup({ bus: env.bus, topology: env.topology })({ staleAfterMs: 1_000 });
    expect(asked).toContain('quiet');
    await waitFor(() => collector.statuses().find((s) => s.device === 'quiet')!.restarts >= 1, 5_000, 'restarted on request');
    await collector.stop();
    await env.devices.delete('quiet');
  });

  it('follows events.device.*: a new device starts, a renamed one keeps its session, a deleted one stops', async () => {
    const collector = await env.collector();
    const t = await gnmi();
    const { publishJson } = await import('@switch-telemetry/bus');
    const publishDeviceEvent = (
      bus: typeof env.bus,
      topology: typeof env.topology,
      body: Record<string, unknown> & { event: 'upserted' | 'deleted' },
    ) => publishJson(bus, topology.subjects.deviceEvent(body.event), body);
    await addGnmiDevice('late', t);
    const device = (await env.devices.get('late'))!;
    await publishDeviceEvent(env.bus, env.topology, { v: 1, event: 'upserted', device });
    await waitFor(() => collector.statuses().some((s) => s.device === 'late' && s.state === 'synced'), 5_000, 'started from the event');
    await publishDeviceEvent(env.bus, env.topology, {
      v: 1,
      event: 'upserted',
      device: { ...device, name: 'Renamed', tags: { rack: '7' } },
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(collector.statuses().find((s) => s.device === 'late')).toMatchObject({ state: 'synced', restarts: 0 });
    await publishDeviceEvent(env.bus, env.topology, { v: 1, event: 'deleted', id: 'late' });
    await waitFor(() => !collector.statuses().some((s) => s.device === 'late'), 5_000, 'stopped on delete');
    // Nothing of it stays behind for the API and dashboards to list: its status is deleted after its last one.
    const sessionsKv = await openBucket(env.bus, env.topology.buckets.sessions);
    await waitFor(async () => (await sessionsKv.get('late'))?.operation === 'DEL', 5_000, 'its status forgotten');
    await collector.stop();
  });

  it('a device change whose event never came is picked up by the periodic resync', async () => {
    const collector = await env.collector({ resyncMs: 500 });
    const t = await gnmi();
    // Written straight into the table: no event is published.
    await addGnmiDevice('unannounced', t);
    await waitFor(
      () => collector.statuses().some((s) => s.device === 'unannounced' && s.state === 'synced'),
      5_000,
      'started by the resync',
    );
    await env.devices.delete('unannounced');
    await waitFor(() => !collector.statuses().some((s) => s.device === 'unannounced'), 5_000, 'stopped by the resync');
    await collector.stop();
  });

  it('trusts a NETCONF host key on first use once, for every replica and restart, and refuses a changed one', async () => {
    process.env.DEVICE_CREDENTIALS_ST_TEST_NETCONF_TOFU = 'netconf:pw-nc';
    const first = new NetconfDevice({ name: 'tofu', host: '127.10.6.40', port: 0, username: 'netconf', password: 'pw-nc' });
    await first.start();
    sims.push(first);
    const device = {
      id: 'tofu',
      protocol: 'netconf' as const,
      address: first.options.host,
      port: first.port,
      credentials: 'st_test_netconf_tofu',
      host_key: { trust_on_first_use: true },
    };
    await env.addDevice({
      ...device,
      subscriptions: [
        { name: 'ifs', paths: ['<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>'], mode: 'get', interval_ms: 200 },
      ],
    });
    const one = await env.collector();
    await waitFor(() => one.statuses().some((s) => s.device === 'tofu' && s.state === 'synced'), 10_000, 'synced on first use');
    await one.stop();
    const kv = await new Kvm(env.bus.js).open(env.topology.buckets.hostKeys.name);
    expect((await kv.get('tofu'))?.string()).toBe(first.fingerprint);

    // Another device answers on the same address and port: a new process must not trust its key.
    await first.stop();
    const impostor = new NetconfDevice({
      name: 'impostor',
      host: first.options.host,
      port: first.port,
      username: 'netconf',
      password: 'pw-nc',
    });
    await impostor.start();
    sims.push(impostor);
    const two = await env.collector();
    await waitFor(() => two.statuses().some((s) => s.device === 'tofu' && s.state === 'auth_failed'), 10_000, 'impostor refused');
    expect(two.statuses().find((s) => s.device === 'tofu')!.last_error).toMatchObject({ code: 'NETCONF_HOST_KEY_MISMATCH' });
    await two.stop();
    await env.devices.delete('tofu');
  });
});
