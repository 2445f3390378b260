import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createTopology, ensureStream, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { createLogger } from '@switch-telemetry/logging';
import { EnvConfigError } from '@switch-telemetry/consumer';
import { loadConfig } from '../src/config';
import { startSink } from '../src/sink';

const log = createLogger({ app: 'sink-test', level: 'silent' });
const message = (device: string, i: number, extra: Array<{ path: string; value: unknown }> = []) => ({
  v: 1,
  device,
  source: 'gnmi',
  subscription: 'interfaces',
  ts: String(1_764_000_000_123_456_789n + BigInt(i) * 1_000_000_000n),
  prefix: '/interfaces/interface[name=Ethernet1]',
  updates: [
    { path: 'state/counters/in-octets', value: String(18446744073709551000n + BigInt(i)) },
    { path: 'state/mtu', value: 9000 },
    { path: 'state/oper-status', value: 'UP' },
    ...extra,
  ],
  deletes: [],
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('postgres sink (NATS, PostgreSQL)', () => {
  let db: TestDatabase;
  let bus: Bus;
  let topology: Topology;
  let env: Record<string, string>;
  const publish = (m: ReturnType<typeof message>) =>
    bus.publish(topology.subjects.telemetry(m.device, m.subscription), new TextEncoder().encode(JSON.stringify(m)));
  const rows = async () => Number((await db.pool.query('SELECT count(*) AS n FROM telemetry_updates')).rows[0].n);

  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    topology = createTopology({ namespace: uniqueNamespace('sink') });
    bus = await withTestBus('sink-test');
    await ensureStream(bus.jsm, topology.streams.telemetry);
    env = { NATS_URL: natsTestUrl(), NATS_NAMESPACE: topology.namespace, DATABASE_URL: db.url, SINK_BATCH_ROWS: '50', SINK_BATCH_MS: '50' };
  });
  afterEach(async () => {
    await deleteNamespace(bus, topology);
    await bus.close();
    await db.drop();
  });

  it('writes one row per update, in batches, and acknowledges only what is committed', async () => {
    const sink = await startSink(loadConfig(env), log);
    try {
      for (let i = 0; i < 40; i += 1) await publish(message(`leaf-0${i % 4}`, i));
      await until(async () => (await rows()) === 120, '120 rows');
      const row = (
        await db.pool.query(
          `SELECT time, ts_ns::text, device, subscription, path, value, value_num FROM telemetry_updates WHERE device = 'leaf-01' ORDER BY ts_ns, path LIMIT 3`,
        )
      ).rows;
      expect(row[0]).toEqual({
        time: new Date('2025-11-24T16:00:01.123Z'),
        ts_ns: '1764000001123456789',
        device: 'leaf-01',
        subscription: 'interfaces',
        path: '/interfaces/interface[name=Ethernet1]/state/counters/in-octets',
        value: '18446744073709551001',
        value_num: 18446744073709551001,
      });
      expect(row.map((r) => [r.path.split('/').pop(), r.value, r.value_num])).toEqual([
        ['in-octets', '18446744073709551001', 18446744073709551001],
        ['mtu', 9000, 9000],
        ['oper-status', 'UP', null],
      ]);
      // microseconds kept (the nanoseconds are in ts_ns)
      const micros = await db.pool.query(`SELECT extract(microseconds FROM time)::int % 1000000 AS us FROM telemetry_updates LIMIT 1`);
      expect(micros.rows[0].us).toBe(123_456);
      expect(sink.batcher.written.batches).toBeGreaterThan(1);
      expect(sink.batcher.written.messages).toBe(40);
      await until(
        async () => (await bus.jsm.consumers.info(topology.streams.telemetry.name, 'postgres-sink')).num_ack_pending === 0,
        'acked',
      );
    } finally {
      await sink.stop();
    }
  });

  it('drops a message PostgreSQL refuses without holding back the rest of its batch', async () => {
    const sink = await startSink(loadConfig({ ...env, SINK_BATCH_MS: '300' }), log);
    try {
      await publish(message('leaf-01', 1));
      await publish(message('leaf-02', 1, [{ path: 'state/description', value: 'nul \u0000 inside' }]));
      await publish(message('leaf-03', 1));
      // A path too long for the primary key's index (PostgreSQL's program limit, not a data exception) is refused alone too.
      const longPath = `state/${Array.from({ length: 400 }, (_, i) => `k${(i * 7919) % 10007}x${i}`).join('/')}`;
      await publish(message('leaf-04', 1, [{ path: longPath, value: 1 }]));
      await until(
        async () => sink.batcher.written.messages === 2 && sink.batcher.written.refusedMessages === 2,
        'two written, two refused',
      );
      expect(await rows()).toBe(6);
      await until(
        async () => (await bus.jsm.consumers.info(topology.streams.telemetry.name, 'postgres-sink')).num_ack_pending === 0,
        'acked',
      );
    } finally {
      await sink.stop();
    }
  });

  it('loses nothing when the process dies before its batch commits: the messages come back', async () => {
    // A real process, killed with SIGKILL while its batch waits for its timer.
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '..', 'src', 'main.ts')], {
      env: { ...process.env, ...env, SINK_BATCH_MS: '60000', SINK_BATCH_ROWS: '100000', SINK_ACK_WAIT_MS: '1000', LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    try {
      await until(async () => {
        const info = await bus.jsm.consumers.info(topology.streams.telemetry.name, 'postgres-sink').catch(() => undefined);
        return info !== undefined;
      }, 'the child created its durable');
      for (let i = 0; i < 10; i += 1) await publish(message('leaf-01', i));
      await until(
        async () => (await bus.jsm.consumers.info(topology.streams.telemetry.name, 'postgres-sink')).num_ack_pending === 10,
        'the child holds all 10',
      );
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    expect(await rows()).toBe(0);
    const sink = await startSink(loadConfig({ ...env, SINK_ACK_WAIT_MS: '1000' }), log);
    try {
      await until(async () => (await rows()) === 30, '30 rows after redelivery');
      expect(sink.batcher.written.messages).toBe(10);
    } finally {
      await sink.stop();
    }
  });

  it('refuses bad configuration naming each variable, never its value', () => {
    try {
      loadConfig({ SINK_TABLE: 'drop table;', SINK_BATCH_ROWS: 'many', DATABASE_URL: 'mysql://u:s3cret@h/db' });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(EnvConfigError);
      expect((err as EnvConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'DATABASE_URL',
        'SINK_BATCH_ROWS',
        'SINK_TABLE',
      ]);
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});
