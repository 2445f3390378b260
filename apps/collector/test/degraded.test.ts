import { resolve } from 'node:path';
import { createTopology, provisionTopology, publishJson, type Bus } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { deviceInputSchema } from '@switch-telemetry/contracts';
import { PostgresOutage, createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { createLogger } from '@switch-telemetry/logging';
import { spawnApp, type SpawnedApp } from '@switch-telemetry/service/testing';
import { GnmiTarget } from '@switch-telemetry/sim';

// The collector process with PostgreSQL failing under it: it starts anyway,
// stays ready (NATS is what it needs to do its job), keeps streaming, follows
// device events, and reads the inventory once the database is back.

const MAIN = resolve(__dirname, '..', 'src', 'main.ts');
const topology = createTopology({ namespace: uniqueNamespace('cdeg') });
let db: TestDatabase;
let pg: PostgresOutage;
let bus: Bus;
let app: SpawnedApp;
let ops: string;
const targets: GnmiTarget[] = [];
const subscriptions = [{ name: 'if', paths: ['/interfaces'], mode: 'sample' as const, interval_ms: 200 }];
const record = (id: string, t: GnmiTarget) =>
  deviceInputSchema.parse({
    id,
    name: id,
    protocol: 'gnmi',
    address: t.options.host,
    port: t.port,
    credentials: 'lab',
    tls: { plaintext: true },
    subscriptions,
  });

async function stored(device: string): Promise<number> {
  const info = await bus.jsm.streams.info(topology.streams.telemetry.name, {
    subjects_filter: `${topology.namespace}.telemetry.${device}.>`,
  });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

const until = (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => app.until(check, timeoutMs, what);

const readyz = async () => {
  const res = await fetch(`${ops}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
};

beforeAll(async () => {
  db = await createTestDatabase();
  pg = await PostgresOutage.forDatabase(db.url);
  bus = await withTestBus('collector-degraded');
  await provisionTopology(bus.jsm, topology, createLogger({ app: 'test', level: 'silent' }));
  for (let i = 0; i < 2; i += 1) {
    const t = new GnmiTarget({
      name: `d${i}`,
      host: `127.10.6.${i + 1}`,
      port: 0,
      username: 'admin',
      password: 'pw',
      interfaces: 1,
      tickMs: 100,
    });
    await t.start();
    targets.push(t);
  }
  await new DeviceRepository(db.pool).upsert(record('deg-a', targets[0]!));
  // PostgreSQL is down before the collector starts.
  pg.down();
  const port = 9_400 + (process.pid % 500);
  ops = `http://127.0.0.1:${port}`;
  app = spawnApp(MAIN, {
    NATS_URL: natsTestUrl(),
    NATS_NAMESPACE: topology.namespace,
    DATABASE_URL: pg.url,
    DB_CONNECT_TIMEOUT_MS: '1000',
    DEVICE_CREDENTIALS_LAB: 'admin:pw',
    COLLECTOR_SPREAD_MS: '1',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    LOG_LEVEL: 'info',
  });
  await app.waitFor(`${ops}/healthz`, 200, 30_000);
}, 60_000);

afterAll(async () => {
  app?.child.kill('SIGTERM');
  await app?.exited;
  for (const t of targets) await t.stop();
  await pg?.close();
  await deleteNamespace(bus, topology).catch(() => undefined);
  await bus?.close();
  await db?.drop();
});

describe('the collector when PostgreSQL is down', () => {
  it('starts and is ready (degraded) without it, then reads the inventory and collects once it is back', async () => {
    const ready = await readyz();
    expect(ready).toMatchObject({ status: 200, body: { status: 'degraded', checks: { nats: 'ok' } } });
    expect(ready.body.checks.postgres).toMatch(/^DB_UNAVAILABLE/);
    expect(await stored('deg-a')).toBe(0);
    pg.up();
    await until('deg-a streaming after the inventory loaded', async () => (await stored('deg-a')) > 0);
    await until('ready', async () => (await readyz()).body.status === 'ready');
  });

  it('keeps streaming through an outage in the middle of a run, and follows device events meanwhile', async () => {
    pg.down();
    await until('degraded', async () => (await readyz()).body.status === 'degraded');
    const before = await stored('deg-a');
    await until('deg-a still streaming', async () => (await stored('deg-a')) >= before + 5);
    // A device added while the database is away arrives as an event with its whole record.
    const now = new Date().toISOString();
    await publishJson(bus, topology.subjects.deviceEvent('upserted'), {
      v: 1,
      event: 'upserted',
      device: { ...record('deg-b', targets[1]!), created_at: now, updated_at: now },
    });
    await until('deg-b streaming', async () => (await stored('deg-b')) > 0);
    expect((await readyz()).status).toBe(200);
    pg.up();
    await until('ready again', async () => (await readyz()).body.status === 'ready');
  });
});
