import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Registry } from 'prom-client';
import { createTopology, provisionTopology, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { deviceInputSchema, type DeviceInput } from '@switch-telemetry/contracts';
import { createLogger } from '@switch-telemetry/logging';
import { GnmiTarget } from '@switch-telemetry/sim';
import { Collector, type CollectorOptions } from '../src';

export const log = createLogger({ app: 'collector-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Short periods so behaviour over time is tested in seconds, not minutes. */
export const FAST_POLICY = {
  spreadMs: 0,
  backoff: { baseMs: 200, capMs: 3_000, jitter: 0.5 },
  parkMs: 60_000,
  staleMs: 1_500,
  healthyAfterMs: 30_000,
};

export interface CollectorEnv {
  /** The label the env was created with; replicas are named `<label>-replica-<n>` and `<label>-child`. */
  label: string;
  topology: Topology;
  db: TestDatabase;
  bus: Bus;
  devices: DeviceRepository;
  addDevice(input: Partial<DeviceInput> & Pick<DeviceInput, 'id' | 'protocol' | 'address' | 'port'>): Promise<void>;
  collector(options?: Partial<CollectorOptions> & { natsUrl?: string }): Promise<Collector>;
  /** Telemetry messages stored for a device (or all). */
  stored(device?: string): Promise<number>;
  dispose(): Promise<void>;
}

/** Heartbeat TTL of the tests (production: 8 s), unless a test asks for the production timings. */
export const TEST_HEARTBEAT_TTL_MS = 4_000;

export async function createCollectorEnv(
  label: string,
  natsUrl?: string,
  options: { heartbeatTtlMs?: number } = {},
): Promise<CollectorEnv> {
  const topology = createTopology({
    namespace: uniqueNamespace(label),
    collectorHeartbeatTtlMs: options.heartbeatTtlMs ?? TEST_HEARTBEAT_TTL_MS,
  });
  const db = await createTestDatabase();
  const bus = await withTestBus(`${label}-test`, natsUrl);
  await provisionTopology(bus.jsm, topology, log);
  const devices = new DeviceRepository(db.pool);
  const collectors: Array<{ c: Collector; b: Bus }> = [];
  return {
    label,
    topology,
    db,
    bus,
    devices,
    async addDevice(input) {
      await devices.upsert(deviceInputSchema.parse({ name: input.id, ...input }));
    },
    async collector(options = {}) {
      const own = await withTestBus(`${label}-collector-${collectors.length}`, options.natsUrl ?? natsUrl);
      const c = new Collector({
        bus: own,
        topology,
        pool: db.pool,
        log,
        registry: new Registry(),
        policy: FAST_POLICY,
        reconcileMs: 500,
        statusRefreshMs: 500,
        // A fixed name per replica: devices are assigned by hashing member names, so the tests that expect
        // every replica to get some devices see the same assignment on every run.
        memberId: `${label}-replica-${collectors.length}`,
        ...options,
      });
      await c.start();
      collectors.push({ c, b: own });
      return c;
    },
    async stored(device) {
      const info = await bus.jsm.streams.info(topology.streams.telemetry.name, {
        subjects_filter: `${topology.namespace}.telemetry.${device ?? '*'}.>`,
      });
      return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    },
    async dispose() {
      for (const { c, b } of collectors) {
        await c.stop(1_000).catch(() => undefined);
        await b.close();
      }
      await deleteNamespace(bus, topology);
      await bus.close();
      await db.drop();
    },
  };
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A maker of simulated gNMI targets with the lab credentials (admin /
 * pw-gnmi, two interfaces, a tick of 50 ms), the n-th on
 * 127.10.5.<firstHost + n>; each is added to `sims`, to be stopped after the env.
 */
export function gnmiTargets(namePrefix: string, firstHost: number, sims: Array<{ stop(): Promise<void> }>) {
  let host = firstHost;
  return async (options: Partial<ConstructorParameters<typeof GnmiTarget>[0]> = {}): Promise<GnmiTarget> => {
    host += 1;
    const t = new GnmiTarget({
      name: `${namePrefix}${host}`,
      host: `127.10.5.${host}`,
      port: 0,
      username: 'admin',
      password: 'pw-gnmi',
      interfaces: 2,
      tickMs: 50,
      ...options,
    });
    await t.start();
    sims.push(t);
    return t;
  };
}

/**
 * `count` simulated gNMI targets on 127.10.<subnet>.1…, each the device
 * `<prefix>-<i>` sampling /interfaces every 200 ms with the lab credentials
 * (`DEVICE_CREDENTIALS_ST_TEST_GNMI`), unless `device` says otherwise. Stop the targets after the env.
 */
export async function addGnmiFleet(
  env: CollectorEnv,
  prefix: string,
  subnet: number,
  count: number,
  /** Fields of each device record other than the defaults (profiles, other subscriptions). */
  device: Partial<DeviceInput> = {},
): Promise<{ ids: string[]; targets: GnmiTarget[] }> {
  process.env.DEVICE_CREDENTIALS_ST_TEST_GNMI = 'admin:pw-gnmi';
  const ids: string[] = [];
  const targets: GnmiTarget[] = [];
  for (let i = 0; i < count; i += 1) {
    const t = new GnmiTarget({
      name: `${prefix}${i}`,
      host: `127.10.${subnet}.${i + 1}`,
      port: 0,
      username: 'admin',
      password: 'pw-gnmi',
      interfaces: 1,
      tickMs: 100,
    });
    await t.start();
    targets.push(t);
    ids.push(`${prefix}-${i}`);
    await env.addDevice({
      id: `${prefix}-${i}`,
      protocol: 'gnmi',
      address: t.options.host,
      port: t.port,
      credentials: 'st_test_gnmi',
      tls: { plaintext: true },
      subscriptions: [{ name: 'interfaces', paths: ['/interfaces'], mode: 'sample', interval_ms: 200 }],
      ...device,
    });
  }
  return { ids, targets };
}

/**
 * A collector replica in a process of its own (fixtures/child-collector.ts),
 * for SIGKILL tests; `owns()` is the devices it last reported synced.
 * `production` runs it with the production timings.
 */
export function spawnChildCollector(env: CollectorEnv, timings?: 'production'): { child: ChildProcess; owns(): string[] } {
  const script = resolve(__dirname, 'fixtures', 'child-collector.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, natsTestUrl(), env.topology.namespace, env.db.url, `${env.label}-child`, ...(timings ? [timings] : [])],
    {
      cwd: resolve(__dirname, '..', '..', '..'),
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let owns: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => (owns = JSON.parse(line) as string[]));
  return { child, owns: () => owns };
}
