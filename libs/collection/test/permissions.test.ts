import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { connectBus, createTopology, provisionTopology, publishJson, type Bus } from '@switch-telemetry/bus';
import { PrivateNatsServer } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { deviceInputSchema } from '@switch-telemetry/contracts';
import { createLogger } from '@switch-telemetry/logging';
import { GnmiTarget } from '@switch-telemetry/sim';
import { Registry } from 'prom-client';
import { Collector } from '../src';
import { FAST_POLICY, waitFor } from './harness';

// The example authorization shipped for operators, on a server of its own:
// the collector works within its rights, and a downstream consumer can read
// telemetry but cannot publish what the collectors act on.
const PERMISSIONS = resolve(__dirname, '..', '..', '..', 'k8s', 'nats', 'permissions.conf');
const PASSWORDS = {
  INGRESS: 'pw-ingress',
  COLLECTOR: 'pw-collector',
  DISCOVERY: 'pw-discovery',
  NOTIFIER: 'pw-notifier',
  CONSUMER: 'pw-consumer',
};
const log = createLogger({ app: 'permissions-test', level: 'silent' });

let server: PrivateNatsServer;
let url: string;
let db: TestDatabase;
let target: GnmiTarget;
const buses: Bus[] = [];

async function as(user: keyof typeof PASSWORDS): Promise<Bus> {
  const bus = await connectBus({
    servers: url,
    name: user,
    user: user.toLowerCase(),
    password: PASSWORDS[user],
    log,
    connectTimeoutMs: 3_000,
  });
  buses.push(bus);
  return bus;
}

beforeAll(async () => {
  server = await PrivateNatsServer.start({
    config: readFileSync(PERMISSIONS, 'utf8'),
    env: Object.fromEntries(Object.entries(PASSWORDS).map(([k, v]) => [`${k}_NATS_PASSWORD`, v])),
  });
  url = server.url;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await as('COLLECTOR');
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  db = await createTestDatabase();
  target = new GnmiTarget({ name: 'p1', host: '127.10.9.90', port: 0, username: 'admin', password: 'pw-gnmi', interfaces: 1, tickMs: 100 });
  await target.start();
});

afterAll(async () => {
  for (const b of buses) await b.close().catch(() => undefined);
  await target?.stop();
  await server?.stop();
  await db?.drop();
});

it('lets the collector run with its own user, and a consumer read its telemetry but not publish device events or restart requests', async () => {
  const topology = createTopology({ collectorHeartbeatTtlMs: 4_000 });
  const collectorBus = await as('COLLECTOR');
  await provisionTopology(collectorBus.jsm, topology, log);
  process.env.DEVICE_CREDENTIALS_PERM_LAB = 'admin:pw-gnmi';
  await new DeviceRepository(db.pool).upsert(
    deviceInputSchema.parse({
      id: 'p1',
      name: 'p1',
      protocol: 'gnmi',
      address: '127.10.9.90',
      port: target.port,
      credentials: 'perm_lab',
      tls: { plaintext: true },
      subscriptions: [{ name: 'if', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample', interval_ms: 100 }],
    }),
  );
  const collector = new Collector({
    bus: collectorBus,
    topology,
    pool: db.pool,
    log,
    registry: new Registry(),
    policy: FAST_POLICY,
    reconcileMs: 300,
  });
  await collector.start();
  try {
    await waitFor(() => collector.statuses().some((s) => s.state === 'synced'), 10_000, 'synced under the collector user');

    const consumer = await as('CONSUMER');
    const stream = topology.streams.telemetry.name;
    await consumer.jsm.consumers.add(stream, {
      durable_name: 'downstream',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    });
    const messages = await (await consumer.js.consumers.get(stream, 'downstream')).fetch({ max_messages: 3, expires: 3_000 });
    let read = 0;
    for await (const m of messages) {
      m.ack();
      read += 1;
    }
    expect(read).toBe(3);

    // What a consumer (or a collector) publishes on the subjects collectors act on never arrives.
    const heard: string[] = [];
    const subs = ['events.device.*', 'events.session.restart_requested'].map((subject) =>
      collectorBus.nc.subscribe(subject, { callback: (_e, m) => void (m && heard.push(m.subject)) }),
    );
    consumer.nc.publish('events.session.restart_requested', JSON.stringify({ v: 1, device: 'p1' }));
    consumer.nc.publish('events.device.deleted', JSON.stringify({ v: 1, event: 'deleted', id: 'p1' }));
    collectorBus.nc.publish('events.device.deleted', JSON.stringify({ v: 1, event: 'deleted', id: 'p1' }));
    await expect(publishJson(consumer, 'telemetry.p1.if', { forged: true }, { timeoutMs: 1_000 })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 500));
    subs.forEach((s) => s.unsubscribe());
    expect(heard).toEqual([]);
    expect(collector.statuses().find((s) => s.device === 'p1')).toMatchObject({ state: 'synced', restarts: 0 });

    // The ingress user may publish what the ingress produces, and the collector hears it (the refusals above were not deafness).
    const ingress = await as('INGRESS');
    await expect(publishJson(ingress, 'events.webhook.nms.device.created', { ok: true })).resolves.toMatchObject({ stream: 'EVENTS' });
    await publishJson(ingress, 'events.session.restart_requested', { v: 1, device: 'p1' });
    await waitFor(
      () => (collector.statuses().find((s) => s.device === 'p1')?.restarts ?? 0) >= 1,
      5_000,
      "restarted at the ingress user's request",
    );
  } finally {
    await collector.stop(500);
  }
});
