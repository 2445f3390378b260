import { createTopology, provisionTopology, type Bus } from '@switch-telemetry/bus';
import { PrivateNatsServer, deleteNamespace, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { createLogger } from '@switch-telemetry/logging';
import { OutboxRelay, addToOutbox } from '../src';

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
});
