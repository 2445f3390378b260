import { createTopology, type Bus } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { DeviceRepository, ProfileRepository, discoveryScanJob } from '@switch-telemetry/inventory';
import { JobRuntime } from '@switch-telemetry/jobs';
import { createLogger } from '@switch-telemetry/logging';
import { DiscoveredDevices, ScanStore, discoveredDeviceId } from '@switch-telemetry/scanning';
import { startOtherService, type OtherService } from '@switch-telemetry/scanning/testing';
import { runService, type RunningService } from '@switch-telemetry/service';
import { GnmiTarget, NetconfDevice } from '@switch-telemetry/sim';
import { Registry } from 'prom-client';
import { DISCOVERY_SERVICE } from '../src/discovery';

// Subnet scans end to end: the discovery app in this process, the simulated fleet on 127.31.0.x, a port that
// answers garbage, real NATS and PostgreSQL; scans enqueued as the API enqueues them.

const log = createLogger({ app: 'scan-test', level: 'silent' });
const namespace = uniqueNamespace('scan');
const topology = createTopology({ namespace });
let db: TestDatabase;
let bus: Bus;
let app: RunningService;
let jobs: JobRuntime;
const gnmi: GnmiTarget[] = [];
let netconf: NetconfDevice;
let garbage: OtherService;
let store: ScanStore;

async function scan(subnet: string): Promise<string> {
  const { id } = await jobs.enqueue(discoveryScanJob, { subnet });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await store.get(id);
    if (s && s.state !== 'running') return id;
    if (Date.now() > deadline) throw new Error(`scan ${subnet} did not finish: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  bus = await withTestBus('scan-test');
  for (const [i, host] of ['127.31.0.10', '127.31.0.20'].entries()) {
    const t = new GnmiTarget({ name: `g${i}`, host, port: 0, username: 'admin', password: 'pw-gnmi', interfaces: 1 });
    await t.start();
    gnmi.push(t);
  }
  netconf = new NetconfDevice({ name: 'n1', host: '127.31.0.30', port: 0, username: 'netconf', password: 'pw-nc' });
  await netconf.start();
  // It listens on one of the gNMI ports, at an address of its own.
  garbage = await startOtherService('127.31.0.40', gnmi[0]!.port);
  // NETCONF devices found with the `nc` credentials run this profile instead of the default subscriptions.
  await new ProfileRepository(db.pool).put('nc-base', {
    description: '',
    subscriptions: [{ name: 'nc-interfaces', paths: ['<interfaces/>'], mode: 'get', interval_ms: 60_000 }],
  });
  process.env.DEVICE_CREDENTIALS_SCAN_LAB = 'admin:pw-gnmi';
  process.env.DEVICE_CREDENTIALS_SCAN_NC = 'netconf:pw-nc';
  const started = await runService(DISCOVERY_SERVICE, {
    env: {
      NATS_URL: natsTestUrl(),
      NATS_NAMESPACE: namespace,
      DATABASE_URL: db.url,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DISCOVERY_ALLOWED_SUBNETS: '127.31.0.0/16',
      DISCOVERY_GNMI_PORTS: gnmi.map((t) => t.port).join(','),
      DISCOVERY_NETCONF_PORTS: String(netconf.port),
      DISCOVERY_RATE_PER_S: '5000',
      DISCOVERY_IDENTIFY_TIMEOUT_MS: '2000',
      DISCOVERY_MISSING_AFTER_SCANS: '1',
      DISCOVERY_PROFILES: JSON.stringify([
        { name: 'nc', credentials: 'scan-nc', subscription_profiles: ['nc-base'] },
        { name: 'lab', credentials: 'scan-lab', plaintext: true },
      ]),
    },
    exit: () => undefined,
    handleSignals: false,
  });
  if (!started) throw new Error('discovery did not start');
  app = started;
  jobs = new JobRuntime({ bus, topology, pool: db.pool, log, registry: new Registry(), scheduler: false });
  store = new ScanStore(db.pool);
}, 40_000);

afterAll(async () => {
  await app?.stop();
  for (const t of gnmi) await t.stop();
  await netconf?.stop();
  await garbage?.close();
  await deleteNamespace(bus, topology).catch(() => undefined);
  await bus?.close();
  await db?.drop();
});

describe('a scan', () => {
  it('finds and identifies every simulated device, records the garbage port as unidentified, and creates the devices', async () => {
    const id = await scan('127.31.0.0/24');
    const s = (await store.get(id))!;
    // 254 hosts × 3 ports; the two gNMI targets, the NETCONF device and the garbage port are open.
    expect(s).toMatchObject({
      state: 'finished',
      total: 254,
      probed: 254,
      open: 4,
      identified: 3,
      created_devices: 3,
      refused: 254 * 3 - 4,
    });
    const results = await store.results(id, 100);
    expect(results.map((r) => [r.address, r.protocol ?? r.reason])).toEqual([
      ['127.31.0.10', 'gnmi'],
      ['127.31.0.20', 'gnmi'],
      ['127.31.0.30', 'netconf'],
      ['127.31.0.40', 'not_gnmi'],
    ]);

    const devices = new DeviceRepository(db.pool);
    const g = await devices.get(discoveredDeviceId('127.31.0.10', gnmi[0]!.port));
    expect(g).toMatchObject({
      protocol: 'gnmi',
      credentials: 'scan-lab',
      tls: { plaintext: true },
      enabled: true,
      tags: { discovered: 'true' },
      source: 'discovery',
      profiles: [],
      subscriptions: [expect.objectContaining({ name: 'interfaces', mode: 'sample' })],
    });
    // NETCONF: the host key is recorded, not trusted: the device waits, disabled, for an admin's approval.
    const nId = discoveredDeviceId('127.31.0.30', netconf.port);
    expect(await devices.get(nId)).toMatchObject({
      protocol: 'netconf',
      enabled: false,
      host_key: {},
      profiles: ['nc-base'],
      subscriptions: [],
      effective_subscriptions: [expect.objectContaining({ name: 'nc-interfaces' })],
    });
    const discovered = new DiscoveredDevices(db.pool);
    expect(await discovered.of(nId)).toMatchObject({ host_key_seen: netconf.fingerprint, missed_scans: 0 });
    expect(await discovered.approveHostKey(nId)).toEqual({ fingerprint: netconf.fingerprint });
    expect(await devices.get(nId)).toMatchObject({ enabled: true, host_key: { fingerprints: [netconf.fingerprint] } });
  });

  it('scanned again, creates no duplicate, leaves what a user changed, and counts a device it no longer finds', async () => {
    const devices = new DeviceRepository(db.pool);
    const gId = discoveredDeviceId('127.31.0.20', gnmi[1]!.port);
    await devices.update(gId, { name: 'renamed by a user', tags: { site: 'lab' } });
    await gnmi[0]!.stop();
    const id = await scan('127.31.0.0/25');
    expect(await store.get(id)).toMatchObject({ state: 'finished', identified: 2, created_devices: 0 });
    const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM devices WHERE tags ? 'discovered' OR id LIKE 'disc-%'`);
    expect(Number(rows[0]!.n)).toBe(3);
    expect(await devices.get(gId)).toMatchObject({ name: 'renamed by a user', tags: { site: 'lab' } });
    const gone = await new DiscoveredDevices(db.pool).of(discoveredDeviceId('127.31.0.10', gnmi[0]!.port));
    expect(gone).toMatchObject({ missed_scans: 1, missing_since: expect.any(Date) });
  });

  it('stops when cancelled, and a subnet the policy refuses is dead-lettered with the reason', async () => {
    const { id } = await jobs.enqueue(discoveryScanJob, { subnet: '127.31.0.0/16' });
    const deadline = Date.now() + 15_000;
    while ((await store.get(id))?.state !== 'running') {
      if (Date.now() > deadline) throw new Error('the scan did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await store.requestCancel(id)).toBe('requested');
    while ((await store.get(id))?.state === 'running') {
      if (Date.now() > deadline + 10_000) throw new Error('the scan did not stop');
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = (await store.get(id))!;
    expect(s.state).toBe('cancelled');
    expect(s.probed).toBeLessThan(s.total);

    const refused = await jobs.enqueue(discoveryScanJob, { subnet: '10.9.0.0/24' });
    const until = Date.now() + 15_000;
    let dead;
    while (!(dead = await jobs.deadLetters.get(refused.id))) {
      if (Date.now() > until) throw new Error('not dead-lettered');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(dead.reason).toMatch(/not inside the allowed subnets \(127\.31\.0\.0\/16\)/);
  });
});
