import { PrivateNatsServer } from '@switch-telemetry/bus/testing';
import { GnmiTarget } from '@switch-telemetry/sim';
import { createCollectorEnv, waitFor, type CollectorEnv } from './harness';

let nats: PrivateNatsServer;
let env: CollectorEnv;
const sims: GnmiTarget[] = [];

beforeAll(async () => {
  nats = await PrivateNatsServer.start();
  env = await createCollectorEnv('outage', nats.url);
  process.env.DEVICE_CREDENTIALS_ST_TEST_GNMI = 'admin:pw-gnmi';
});
afterAll(async () => {
  await env.dispose();
  for (const s of sims) await s.stop();
  await nats.dispose();
});

it('recovers from a NATS restart mid-stream, and every message not stored is one it counted as dropped', async () => {
  for (let i = 0; i < 3; i += 1) {
    const t = new GnmiTarget({
      name: `o${i}`,
      host: `127.10.4.${i + 1}`,
      port: 0,
      username: 'admin',
      password: 'pw-gnmi',
      interfaces: 4,
      tickMs: 20,
    });
    await t.start();
    sims.push(t);
    await env.addDevice({
      id: `out-${i}`,
      protocol: 'gnmi',
      address: t.options.host,
      port: t.port,
      credentials: 'st_test_gnmi',
      tls: { plaintext: true },
      subscriptions: [{ name: 'interfaces', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample', interval_ms: 20 }],
    });
  }
  // A small buffer, so a two-second outage overflows it and drops are certain.
  const collector = await env.collector({ sink: { bufferPerDevice: 50 } });
  await waitFor(async () => (await env.stored()) > 100, 10_000, 'streaming');

  await nats.stop();
  await new Promise((r) => setTimeout(r, 2_000));
  await nats.resume();
  await waitFor(() => env.bus.isConnected(), 10_000, 'test connection back');
  await waitFor(async () => (await env.stored()) > 0 && collector.sink.dropped > 0, 10_000, 'stored again');
  await new Promise((r) => setTimeout(r, 1_000));

  // Stop the devices, let the sink empty, then count.
  await collector.stop(5_000);
  const { accepted, dropped, buffered } = {
    accepted: collector.sink.accepted,
    dropped: collector.sink.dropped,
    buffered: collector.sink.buffered,
  };
  const stored = await env.stored();
  expect(buffered).toBe(0);
  expect(dropped).toBeGreaterThan(0);
  expect(accepted - stored).toBe(dropped);
  // Every drop is announced: the telemetry_dropped events stored in EVENTS add up to the counter.
  // (Read from the stream, where consumers read them: a core subscription of the test's own
  // connection misses what is published while that connection is still reconnecting.)
  const alerts = await env.bus.js.consumers.get(env.topology.streams.events.name, {
    filter_subjects: `${env.topology.namespace}.events.alert.telemetry_dropped`,
  });
  let announcedDrops = 0;
  for (;;) {
    const batch = await alerts.fetch({ max_messages: 100, expires: 1_000 });
    let got = 0;
    for await (const m of batch) {
      announcedDrops += m.json<{ dropped: number }>().dropped;
      got += 1;
    }
    if (got === 0) break;
  }
  expect(announcedDrops).toBe(dropped);
});
