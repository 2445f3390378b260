import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { createTopology, provisionTopology, publishJson, type Bus } from '@switch-telemetry/bus';
import { deleteNamespace, freePort, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { deviceInputSchema } from '@switch-telemetry/contracts';
import { createLogger } from '@switch-telemetry/logging';
import { spawnApp, type SpawnedApp } from '@switch-telemetry/service/testing';
import { GnmiTarget, NetconfDevice } from '@switch-telemetry/sim';

// The collector as it runs in production (its own process), fed hostile input:
// whatever it is sent, it must keep serving the devices it has.
const MAIN = resolve(__dirname, '..', 'src', 'main.ts');
const DB_SECRET = `db-${randomBytes(8).toString('hex')}`;
const PROBE_SECRET = `probe-${randomBytes(8).toString('hex')}`;

let db: TestDatabase;
let bus: Bus;
let app: SpawnedApp;
let metricsUrl: string;
let target: GnmiTarget;
let refusing: NetconfDevice;
const listeners: Server[] = [];
const received: Buffer[] = [];
const sockets: Socket[] = [];
let trustDir: string;
const topology = createTopology({ namespace: uniqueNamespace('hard') });

async function metric(name: string, labels = ''): Promise<number> {
  const text = await fetch(metricsUrl).then((r) => r.text());
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : NaN;
}

const waitUntil = (check: () => Promise<boolean>, timeoutMs: number, what: string) => app.until(check, timeoutMs, what);

async function sessionOf(device: string): Promise<Record<string, unknown> | undefined> {
  const entry = await (await new Kvm(bus.js).open(topology.buckets.sessions.name)).get(device);
  return entry && entry.operation === 'PUT' ? entry.json<Record<string, unknown>>() : undefined;
}

beforeAll(async () => {
  db = await createTestDatabase();
  bus = await withTestBus('hardening');
  await provisionTopology(bus.jsm, topology, createLogger({ app: 'test', level: 'silent' }));
  target = new GnmiTarget({ name: 'h1', host: '127.10.9.1', port: 0, username: 'admin', password: 'pw-gnmi', interfaces: 1, tickMs: 200 });
  await target.start();
  // Hosts of an attacker's: they record whatever a collector sends them.
  for (const host of ['127.10.9.64', '127.10.9.65', '127.10.9.66']) {
    const listener = createServer((s) => {
      sockets.push(s);
      s.on('data', (d) => received.push(d));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => listener.listen(0, host, r));
    listeners.push(listener);
  }
  // Refuses create-subscription while a get is still pending (its answer comes 500 ms later).
  refusing = new NetconfDevice({
    name: 'refusing',
    host: '127.10.9.70',
    port: 0,
    username: 'admin',
    password: 'pw-gnmi',
    fault: 'subscription-refused',
    slowMs: 500,
  });
  await refusing.start();
  trustDir = mkdtempSync(join(tmpdir(), 'st-trust-'));
  symlinkSync('/dev/zero', join(trustDir, 'zero'));

  const devices = new DeviceRepository(db.pool);
  const subs = [{ name: 'if', paths: ['/interfaces/interface[name=*]/state/counters'], mode: 'sample' as const, interval_ms: 200 }];
  await devices.upsert(
    deviceInputSchema.parse({
      id: 'good',
      name: 'good',
      protocol: 'gnmi',
      address: '127.10.9.1',
      port: target.port,
      credentials: 'lab',
      tls: { plaintext: true },
      subscriptions: subs,
    }),
  );
  // Each names something of the collector's own: a variable that is no credential.
  for (const [n, [id, credentials]] of (
    [
      ['steal-db', 'database_password'],
      ['steal-probe', 'secret_probe'],
      ['steal-nats', 'nats_token'],
    ] as const
  ).entries()) {
    const { address, port } = listeners[n]!.address() as { address: string; port: number };
    await devices.upsert(
      deviceInputSchema.parse({
        id,
        name: id,
        protocol: 'gnmi',
        address,
        port,
        credentials,
        tls: { plaintext: true },
        subscriptions: subs,
      }),
    );
  }
  await devices.upsert(
    deviceInputSchema.parse({
      id: 'nc-zero',
      name: 'nc-zero',
      protocol: 'netconf',
      address: '127.10.9.67',
      port: 830,
      credentials: 'lab',
      host_key: { known_hosts: 'zero' },
      subscriptions: [{ name: 'g', paths: ['<a/>'], mode: 'get' }],
    }),
  );
  await devices.upsert(
    deviceInputSchema.parse({
      id: 'nc-missing',
      name: 'nc-missing',
      protocol: 'netconf',
      address: '127.10.9.68',
      port: 830,
      credentials: 'lab',
      host_key: { known_hosts: 'missing' },
      subscriptions: [{ name: 'g', paths: ['<a/>'], mode: 'get' }],
    }),
  );

  await devices.upsert(
    deviceInputSchema.parse({
      id: 'nc-refusing',
      name: 'nc-refusing',
      protocol: 'netconf',
      address: '127.10.9.70',
      port: refusing.port,
      credentials: 'lab',
      host_key: { fingerprints: [refusing.fingerprint] },
      subscriptions: [
        { name: 'g', paths: ['<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>'], mode: 'get', interval_ms: 200 },
        { name: 'n', paths: ['<x/>'], mode: 'notification' },
      ],
    }),
  );
  const httpPort = await freePort();
  metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
  app = spawnApp(MAIN, {
    NATS_URL: natsTestUrl(),
    NATS_NAMESPACE: topology.namespace,
    DATABASE_URL: db.url,
    DATABASE_PASSWORD: DB_SECRET,
    SECRET_PROBE: PROBE_SECRET,
    DEVICE_CREDENTIALS_LAB: 'admin:pw-gnmi',
    COLLECTOR_TRUST_DIR: trustDir,
    COLLECTOR_SPREAD_MS: '1',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(httpPort),
    LOG_LEVEL: 'info',
  });
  await app.waitFor(`http://127.0.0.1:${httpPort}/healthz`, 200, 30_000);
  await waitUntil(async () => (await sessionOf('good'))?.state === 'synced', 20_000, 'the good device synced');
}, 60_000);

afterAll(async () => {
  app?.child.kill('SIGTERM');
  await app?.exited;
  await target?.stop();
  await refusing?.stop();
  for (const s of sockets) s.destroy();
  for (const l of listeners) l.close();
  rmSync(trustDir, { recursive: true, force: true });
  await deleteNamespace(bus, topology).catch(() => undefined);
  await bus?.close();
  await db?.drop();
});

function randomBody(i: number): Uint8Array {
  const shapes: Array<() => unknown> = [
    () => randomBytes(1 + (i % 300)),
    () => 'not-json',
    () => JSON.stringify(null),
    () => JSON.stringify([1, 2, 3]),
    () => JSON.stringify({ v: 1, event: 'upserted' }),
    () => JSON.stringify({ v: 1, event: 'upserted', device: { id: 'x' } }),
    () => JSON.stringify({ v: 1, event: 'upserted', device: { id: 'good', credentials: 'database_password', address: '127.10.9.66' } }),
    () => JSON.stringify({ v: 1, event: 'deleted', id: { $ne: 1 } }),
    () => JSON.stringify({ device: 'Not.A.Device' }),
    () => JSON.stringify({ device: 12 }),
    () => JSON.stringify({ device: 'x'.repeat(10_000) }),
    () => '['.repeat(5_000),
    () =>
      JSON.stringify({ v: 1, event: 'upserted', device: { ...Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`k${k}`, k])) } }),
  ];
  const body = shapes[i % shapes.length]!();
  return typeof body === 'string' ? new TextEncoder().encode(body) : (body as Uint8Array);
}

describe('the collector under hostile input', () => {
  it('names of its own variables are not credentials: nothing secret reaches an attacker address', async () => {
    await waitUntil(async () => (await sessionOf('steal-db'))?.state === 'auth_failed', 10_000, 'steal-db refused');
    const status = await sessionOf('steal-db');
    expect(status?.last_error).toMatchObject({ code: 'COLLECTION_CREDENTIALS' });
    const everything = Buffer.concat(received).toString('latin1');
    expect(everything).not.toContain(DB_SECRET);
    expect(everything).not.toContain(PROBE_SECRET);
    expect(JSON.stringify(status)).not.toContain(DB_SECRET);
  });

  it('a NETCONF device whose known_hosts is /dev/zero or missing fails alone, with a code; the process lives', async () => {
    await waitUntil(
      async () => (await sessionOf('nc-zero'))?.state === 'auth_failed' && (await sessionOf('nc-missing'))?.state === 'auth_failed',
      10_000,
      'both refused',
    );
    expect((await sessionOf('nc-zero'))?.last_error).toMatchObject({
      code: 'COLLECTION_CREDENTIALS',
      message: 'known_hosts file "zero" cannot be read from the trust directory',
    });
    expect(app.child.exitCode).toBeNull();
  });

  it('a NETCONF session whose subscription is refused while a get is pending fails alone; the process lives', async () => {
    // operation-not-supported is permanent: the session parks after its first run.
    await waitUntil(async () => (await sessionOf('nc-refusing'))?.state === 'backoff', 15_000, 'refused and parked');
    // The pending get fails after the run ended: that must not be an unhandled rejection.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(app.child.exitCode).toBeNull();
    expect((await sessionOf('nc-refusing'))?.last_error).toMatchObject({ code: 'NETCONF_RPC_ERROR' });
  });

  it('1,000 random bodies on each subject it follows leave it running and the good device synced', async () => {
    const subjects = [
      topology.subjects.deviceEvent('upserted'),
      topology.subjects.deviceEvent('deleted'),
      topology.subjects.sessionEvent('restart_requested'),
    ];
    for (const subject of subjects) {
      for (let i = 0; i < 1_000; i += 1) bus.nc.publish(subject, randomBody(i));
      await bus.nc.flush();
    }
    await waitUntil(
      async () => (await metric('collector_bus_messages_rejected_total', 'subject="events.device.*"')) >= 2_000,
      15_000,
      'device events rejected',
    );
    await waitUntil(
      async () => (await metric('collector_bus_messages_rejected_total', 'subject="events.session.restart_requested"')) >= 900,
      15_000,
      'restart requests rejected',
    );
    expect(app.child.exitCode).toBeNull();
    expect((await fetch(metricsUrl.replace('/metrics', '/healthz'))).status).toBe(200);
    // The good device was never replaced by a hostile record and still streams.
    const before = target.sent;
    await waitUntil(async () => target.sent > before + 3 && (await sessionOf('good'))?.state === 'synced', 10_000, 'still streaming');
    // And a well-formed request still works.
    const restarts = await metric('collector_session_restarts_total');
    await publishJson(bus, topology.subjects.sessionEvent('restart_requested'), { v: 1, device: 'good', at: new Date().toISOString() });
    await waitUntil(async () => (await metric('collector_session_restarts_total')) > restarts, 10_000, 'restart after the storm');
  }, 60_000);
});
