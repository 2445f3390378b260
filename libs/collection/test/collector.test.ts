import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { NetconfDevice } from '@switch-telemetry/sim';
import { createCollectorEnv, gnmiTargets, waitFor, type CollectorEnv } from './harness';

const schema = JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'schemas', 'telemetry-message.v1.json'), 'utf8'));
const validate = new Ajv2020().compile(schema);

let env: CollectorEnv;
const sims: Array<{ stop(): Promise<void> }> = [];
const gnmi = gnmiTargets('g', 20, sims);
const gnmiSubs = [
  { name: 'interfaces', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample' as const, interval_ms: 100 },
];

beforeAll(async () => {
  env = await createCollectorEnv('coll');
  process.env.DEVICE_CREDENTIALS_ST_TEST_GNMI = 'admin:pw-gnmi';
  process.env.DEVICE_CREDENTIALS_ST_TEST_GNMI_BAD = 'admin:wrong';
  process.env.DEVICE_CREDENTIALS_ST_TEST_NETCONF = 'netconf:pw-nc';
});
afterAll(async () => {
  await env.dispose();
  for (const s of sims) await s.stop();
});

describe('collector against simulated devices, NATS and PostgreSQL', () => {
  it('streams gNMI and NETCONF telemetry into TELEMETRY in the telemetry message format', async () => {
    const g = await gnmi();
    const nc = new NetconfDevice({
      name: 'n1',
      host: '127.10.5.200',
      port: 0,
      username: 'netconf',
      password: 'pw-nc',
      notificationMs: 100,
    });
    await nc.start();
    sims.push(nc);
    await env.addDevice({
      id: 'leaf-g1',
      protocol: 'gnmi',
      address: g.options.host,
      port: g.port,
      credentials: 'st_test_gnmi',
      tls: { plaintext: true },
      subscriptions: gnmiSubs,
    });
    await env.addDevice({
      id: 'spine-n1',
      protocol: 'netconf',
      address: nc.options.host,
      port: nc.port,
      credentials: 'st_test_netconf',
      host_key: { fingerprints: [nc.fingerprint] },
      subscriptions: [
        {
          name: 'ifstate',
          paths: ['<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>'],
          mode: 'get',
          interval_ms: 200,
        },
        { name: 'events', paths: ['<interface-statistics xmlns="urn:switch-telemetry:sim:interfaces"/>'], mode: 'notification' },
      ],
    });
    const collector = await env.collector();
    await waitFor(
      async () => (await env.stored('leaf-g1')) >= 4 && (await env.stored('spine-n1')) >= 4,
      10_000,
      'telemetry from both devices',
    );
    await waitFor(() => collector.statuses().every((s) => s.state === 'synced'), 5_000, 'both synced');

    // Read a few back as a downstream consumer would.
    const stream = env.topology.streams.telemetry.name;
    await env.bus.jsm.consumers.add(stream, { durable_name: 'reader', ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
    const consumer = await env.bus.js.consumers.get(stream, 'reader');
    const seen = new Map<string, Record<string, unknown>>();
    for await (const m of await consumer.fetch({ max_messages: 40, expires: 2_000 })) {
      const body = m.json<Record<string, unknown>>();
      expect(validate(body)).toBe(true);
      expect(m.headers?.get('device')).toBe(body.device);
      expect(m.headers?.get('Nats-Msg-Id')).toMatch(new RegExp(`^${String(body.device)}:`));
      expect(m.subject).toBe(`${env.topology.namespace}.telemetry.${String(body.device)}.${String(body.subscription)}`);
      seen.set(`${String(body.device)}/${String(body.subscription)}`, body);
    }
    expect(seen.get('leaf-g1/interfaces')).toMatchObject({
      source: 'gnmi',
      prefix: expect.stringMatching(/^\/interfaces\/interface\[name=Ethernet\d\]$/),
    });
    expect(seen.get('spine-n1/ifstate')).toMatchObject({ source: 'netconf', prefix: '/interfaces-state' });
    expect(seen.get('spine-n1/events')).toMatchObject({ source: 'netconf', prefix: '/interface-statistics' });
    await env.devices.delete('leaf-g1');
    await env.devices.delete('spine-n1');
    await collector.stop();
  });
});
