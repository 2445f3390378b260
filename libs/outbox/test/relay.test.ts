import { createTopology, provisionTopology, type Bus } from '@switch-telemetry/bus';
import { PrivateNatsServer, deleteNamespace, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { createLogger } from '@switch-telemetry/logging';
import { OutboxRelay, addToOutbox } from '../src';
import { laneLockKey } from '../src/relay';

const log = createLogger({ app: 'outbox-test', level: 'silent' });
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function write(n: number, subject: (i: number) => string): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const tx = await db.pool.connect();
    try {
      await tx.query('BEGIN');
      await addToOutbox(tx, { subject: subject(i), payload: { i }, msgId: `m-${i}`, headers: { device: `d${i % 3}` } });
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }
  }
}

async function storedBodies(bus: Bus, stream: string, subject: string): Promise<Array<{ i: number; device?: string; msgId?: string }>> {
  const out: Array<{ i: number; device?: string; msgId?: string }> = [];
  const info = await bus.jsm.streams.info(stream);
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
    const m = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m || !m.subject.startsWith(subject)) continue;
    out.push({ ...(m.json() as { i: number }), device: m.header.get('device'), msgId: m.header.get('Nats-Msg-Id') });
  }
  return out;
}

describe('outbox relay', () => {
  it('publishes every committed row once, in order, after NATS comes back, and empties the table', async () => {
    const nats = await PrivateNatsServer.start();
    const topology = createTopology({ namespace: uniqueNamespace('obx') });
    const bus = await withTestBus('outbox', nats.url);
    await provisionTopology(bus.jsm, topology, log);
    const relay = new OutboxRelay({ pool: db.pool, bus, log, pollMs: 100 });
    try {
      await nats.stop();
      await write(100, (i) => `${topology.namespace}.events.device.upserted`.replace('upserted', i % 10 === 9 ? 'deleted' : 'upserted'));
      relay.start();
      await new Promise((r) => setTimeout(r, 300));
      expect(Number((await db.pool.query('SELECT count(*) AS n FROM outbox')).rows[0].n)).toBe(100);

      await nats.resume();
      expect(await relay.drain(15_000)).toBe(true);
      const bodies = await storedBodies(bus, topology.streams.events.name, `${topology.namespace}.events.device.`);
      expect(bodies.map((b) => b.i)).toEqual([...Array(100).keys()]);
      expect(bodies[4]).toMatchObject({ device: 'd1', msgId: 'm-4' });
    } finally {
      await relay.stop();
      await deleteNamespace(bus, topology).catch(() => undefined);
      await bus.close();
      await nats.dispose();
    }
  });

  it('a row published but not deleted (a crash between ack and commit) is stored once when published again', async () => {
    const topology = createTopology({ namespace: uniqueNamespace('obx') });
    const bus = await withTestBus('outbox2');
    await provisionTopology(bus.jsm, topology, log);
    const subject = `${topology.namespace}.events.alert.test`;
    try {
      await write(3, () => subject);
      // The first relay "dies" after publishing: publish by hand, leave the rows.
      const { rows } = await db.pool.query<{ msg_id: string; payload: Buffer }>('SELECT msg_id, payload FROM outbox ORDER BY id');
      for (const row of rows) await bus.publish(subject, row.payload, { msgId: row.msg_id });
      const relay = new OutboxRelay({ pool: db.pool, bus, log });
      relay.start();
      expect(await relay.drain(10_000)).toBe(true);
      await relay.stop();
      expect((await bus.jsm.streams.info(topology.streams.events.name)).state.messages).toBe(3);
    } finally {
      await deleteNamespace(bus, topology).catch(() => undefined);
      await bus.close();
    }
  });

  it('only one relay works at a time across replicas, and both together still publish each row once', async () => {
    const topology = createTopology({ namespace: uniqueNamespace('obx') });
    const bus = await withTestBus('outbox3');
    await provisionTopology(bus.jsm, topology, log);
    const subject = `${topology.namespace}.events.alert.pair`;
    const relays = [
      new OutboxRelay({ pool: db.pool, bus, log, pollMs: 20, batch: 7 }),
      new OutboxRelay({ pool: db.pool, bus, log, pollMs: 20, batch: 7 }),
    ];
    try {
      relays.forEach((r) => r.start());
      await write(60, () => subject);
      expect(await relays[0]!.drain(10_000)).toBe(true);
      const bodies = await storedBodies(bus, topology.streams.events.name, subject);
      expect(bodies.map((b) => b.i)).toEqual([...Array(60).keys()]);
    } finally {
      for (const r of relays) await r.stop();
      await deleteNamespace(bus, topology).catch(() => undefined);
      await bus.close();
    }
  });
  it("a relay with a lane publishes only its lane's rows, and a lane never waits for another", async () => {
    const topology = createTopology({ namespace: uniqueNamespace('obx_lane') });
    const bus = await withTestBus('outbox4');
    await provisionTopology(bus.jsm, topology, log);
    const devices = new OutboxRelay({
      pool: db.pool,
      bus,
      log,
      pollMs: 20,
      lane: { name: 'device-events', subjects: [topology.subjects.deviceEvents()] },
    });
    const endpoints = new OutboxRelay({
      pool: db.pool,
      bus,
      log,
      pollMs: 20,
      lane: { name: 'endpoint-events', subjects: [topology.subjects.endpointEvents()] },
    });
    try {
      await write(10, (i) => (i % 2 === 0 ? topology.subjects.deviceEvent('upserted') : topology.subjects.endpointEvent('disabled')));
      // A row of another namespace whose subject differs only where LIKE has wildcards stays put.
      await write(1, () => `${topology.namespace.replace('_', 'X')}.events.device.upserted`);
      devices.start();
      await new Promise((r) => setTimeout(r, 300));
      const left = async () =>
        (await db.pool.query<{ subject: string }>('SELECT subject FROM outbox ORDER BY id')).rows.map((r) => r.subject);
      expect(await left()).toEqual(
        [...Array(5)]
          .map(() => topology.subjects.endpointEvent('disabled'))
          .concat(`${topology.namespace.replace('_', 'X')}.events.device.upserted`),
      );
      // The device lane's lock is held by a transaction of its own: the endpoint lane goes on regardless.
      const holder = await db.pool.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [laneLockKey({ name: 'device-events', subjects: [] })]);
      await write(1, () => topology.subjects.deviceEvent('deleted'));
      endpoints.start();
      await new Promise((r) => setTimeout(r, 300));
      expect(await left()).toEqual([
        `${topology.namespace.replace('_', 'X')}.events.device.upserted`,
        topology.subjects.deviceEvent('deleted'),
      ]);
      await holder.query('ROLLBACK');
      holder.release();
      expect((await storedBodies(bus, topology.streams.events.name, `${topology.namespace}.events.endpoint.`)).map((b) => b.i)).toEqual([
        1, 3, 5, 7, 9,
      ]);
      await db.pool.query('DELETE FROM outbox');
    } finally {
      await devices.stop();
      await endpoints.stop();
      await deleteNamespace(bus, topology).catch(() => undefined);
      await bus.close();
    }
  });
});
