import { resolve } from 'node:path';
import { createTopology } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { discoveryScanJob } from '@switch-telemetry/inventory';
import { JobRuntime } from '@switch-telemetry/jobs';
import { createLogger } from '@switch-telemetry/logging';
import { ScanStore } from '@switch-telemetry/scanning';
import { spawnApp, type SpawnedApp } from '@switch-telemetry/service/testing';
import { GnmiTarget } from '@switch-telemetry/sim';
import { Registry } from 'prom-client';

// The discovery process running a scan is killed (SIGKILL) after it created a device: the job comes back to
// another process after its lease, the scan starts over and finishes, and no device is created twice.

const MAIN = resolve(__dirname, '..', 'src', 'main.ts');
const namespace = uniqueNamespace('scrash');
let db: TestDatabase;
const apps: SpawnedApp[] = [];
let target: GnmiTarget;

function discovery(): SpawnedApp {
  const app = spawnApp(MAIN, {
    NATS_URL: natsTestUrl(),
    NATS_NAMESPACE: namespace,
    DATABASE_URL: db.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    // A short lease, so the scan of the killed process comes back quickly.
    JOBS_ACK_WAIT_MS: '2000',
    DISCOVERY_ALLOWED_SUBNETS: '127.34.0.0/16',
    DISCOVERY_GNMI_PORTS: String(target.port),
    DISCOVERY_NETCONF_PORTS: '9',
    // Slow enough that the kill lands mid-scan: 4,094 hosts × 2 ports at 2,000 probes/s.
    DISCOVERY_RATE_PER_S: '2000',
    DISCOVERY_PROFILES: JSON.stringify([{ name: 'lab', credentials: 'crash-lab', plaintext: true }]),
    DEVICE_CREDENTIALS_CRASH_LAB: 'admin:pw-crash',
  });
  apps.push(app);
  return app;
}

beforeAll(async () => {
  db = await createTestDatabase();
  target = new GnmiTarget({ name: 'c1', host: '127.34.0.3', port: 0, username: 'admin', password: 'pw-crash', interfaces: 1 });
  await target.start();
});

afterAll(async () => {
  for (const app of apps) if (app.child.exitCode === null) app.child.kill('SIGKILL');
  await target?.stop();
  const bus = await withTestBus('scan-crash-cleanup');
  await deleteNamespace(bus, createTopology({ namespace })).catch(() => undefined);
  await bus.close();
  await db?.drop();
});

it('a scan whose process was killed is redone elsewhere, and creates no device twice', async () => {
  const first = discovery();
  await first.loggedPort('ready to serve');
  const bus = await withTestBus('scan-crash');
  const jobs = new JobRuntime({
    bus,
    topology: createTopology({ namespace }),
    pool: db.pool,
    log: createLogger({ app: 'test', level: 'silent' }),
    registry: new Registry(),
    scheduler: false,
  });
  const { id } = await jobs.enqueue(discoveryScanJob, { subnet: '127.34.0.0/20' });
  const devices = async () => Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM devices')).rows[0]!.n);
  await first.until(async () => (await devices()) === 1, 20_000, 'the device created by the first run');
  const store = new ScanStore(db.pool);
  expect((await store.get(id))?.state).toBe('running');
  first.child.kill('SIGKILL');
  await first.exited;

  const second = discovery();
  await second.until(async () => (await store.get(id))?.state === 'finished', 40_000, 'the scan finished by the second process');
  expect(await store.get(id)).toMatchObject({ attempt: 2, probed: 4_094, identified: 1, created_devices: 0 });
  expect(await devices()).toBe(1);
  expect(await store.results(id, 10)).toEqual([expect.objectContaining({ address: '127.34.0.3', protocol: 'gnmi' })]);
  await bus.close();
}, 90_000);
