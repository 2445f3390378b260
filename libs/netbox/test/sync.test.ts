import { createTopology } from '@switch-telemetry/bus';
import { deviceInputSchema } from '@switch-telemetry/contracts';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { HttpClient } from '@switch-telemetry/http-client';
import { DeviceRepository, ProfileRepository } from '@switch-telemetry/inventory';
import type { JobContext, JobResult } from '@switch-telemetry/jobs';
import { createLogger } from '@switch-telemetry/logging';
import { Registry } from 'prom-client';
import {
  NetboxListingChangedError,
  NetboxListingInvalidError,
  NetboxStore,
  mapNetboxDevice,
  netboxSourceSchema,
  netboxSyncWorker,
} from '../src';
import { netboxDevice, netboxDevices, startNetboxStandIn, type NetboxStandIn } from '../src/testing';

// The pull reconciliation against the NetBox stand-in (real HTTP on 127.77.1.1) and the real PostgreSQL.

const log = createLogger({ app: 'netbox-sync-test', level: 'silent' });
const TOKEN = 'nb-token-0123456789abcdef';
const topology = createTopology({ namespace: 'netbox_sync_test' });
let db: TestDatabase;
let netbox: NetboxStandIn;
let http: HttpClient;
let devices: DeviceRepository;
let store: NetboxStore;
let jobs = 0;
// Two NetBox devices the mapping monitors (the mixed fleet's first ones).
let RENAMED: number;
let UNTAGGED: number;

const source = () =>
  netboxSourceSchema.parse({
    name: 'dc1',
    url: netbox.url,
    insecure_http: true,
    allowed_subnets: ['10.0.0.0/8', '2001:db8::/32'],
    select: { statuses: ['active'], tags: ['telemetry'] },
    platforms: {
      eos: { protocol: 'gnmi', profiles: ['leaf-counters'] },
      junos: { protocol: 'netconf' },
      nxos: { protocol: 'gnmi', port: 50051 },
    },
    page_size: 200,
  });

function context(): JobContext {
  jobs += 1;
  return { id: `netbox-sync-${jobs}`, attempt: 1, maxAttempts: 5, signal: new AbortController().signal, log, working: () => undefined };
}

async function sync(client = http): Promise<void | JobResult> {
  const worker = netboxSyncWorker({
    pool: db.pool,
    topology,
    http: client,
    sources: new Map([['dc1', source()]]),
    tokens: { dc1: TOKEN },
    pageDeadlineMs: 10_000,
    registry: new Registry(),
  });
  return worker({ source: 'dc1' }, context());
}

async function lastSync() {
  return (await store.syncs('dc1', { limit: 1 }))[0]!;
}

const INVENTORY_TABLES = ['devices', 'device_subscriptions', 'device_change_marks', 'netbox_objects', 'outbox'];

/** The inventory's rows, and how many were written by transactions after `xid` (a row inserted or updated carries its writer's xid). */
async function inventoryState(xid: string): Promise<{ rows: number; written: number }> {
  let rows = 0;
  let written = 0;
  for (const table of INVENTORY_TABLES) {
    const { rows: r } = await db.pool.query<{ n: string; w: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE xmin::text::bigint > $1::bigint) AS w FROM ${table}`,
      [xid],
    );
    rows += Number(r[0]!.n);
    written += Number(r[0]!.w);
  }
  return { rows, written };
}

async function currentXid(): Promise<string> {
  return (await db.pool.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x;
}

async function outboxCount(): Promise<number> {
  return Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
}

beforeAll(async () => {
  db = await createTestDatabase();
  netbox = await startNetboxStandIn({ token: TOKEN, host: '127.77.1.1', devices: netboxDevices(1_000, { mixed: true }) });
  http = new HttpClient({ log, maxResponseBytes: 64 * 1_048_576, deadlineMs: 10_000, backoff: { baseMs: 50, capMs: 200, jitter: 0 } });
  [RENAMED, UNTAGGED] = [...netbox.devices.values()].filter((d) => mapNetboxDevice(d, source()).state === 'monitored').map((d) => d.id) as [
    number,
    number,
  ];
  devices = new DeviceRepository(db.pool, topology);
  store = new NetboxStore(db.pool);
  await new ProfileRepository(db.pool, topology).put('leaf-counters', {
    description: '',
    subscriptions: [{ name: 'counters', paths: ['/interfaces/interface/state/counters'], mode: 'sample', interval_ms: 10_000 }],
  });
}, 30_000);
afterAll(async () => {
  await http.close();
  await netbox.close();
  await db.drop();
});

describe('netbox-sync against the stand-in and PostgreSQL', () => {
  it('creates exactly the monitored devices of a 1,000-device listing over 5 pages, and records the rest with their reasons', async () => {
    const expected = [...netbox.devices.values()].map((d) => mapNetboxDevice(d, source()));
    const monitored = expected.filter((m) => m.state === 'monitored');
    expect(await sync()).toBeUndefined();
    const summary = await lastSync();
    expect(summary).toMatchObject({ outcome: 'applied', counts: { listed: 1_000, pages: 5, created: monitored.length, updated: 0 } });
    const ours = await devices.list({ source: 'netbox:dc1', limit: 500 });
    const all = [...ours.devices, ...(await devices.list({ source: 'netbox:dc1', limit: 500, after: ours.next! })).devices];
    expect(all.map((d) => d.id).sort()).toEqual(monitored.map((m) => (m.state === 'monitored' ? m.device.id : '')).sort());
    // An eos device runs its platform's profile; an nxos one its port.
    const eos = all.find((d) => d.tags['netbox.platform'] === 'eos')!;
    expect(eos.profiles).toEqual(['leaf-counters']);
    expect(eos.effective_subscriptions.map((s) => s.name)).toEqual(['counters']);
    expect(all.find((d) => d.tags['netbox.platform'] === 'nxos')!.port).toBe(50051);
    // IPv6-only devices are kept by their bare address.
    expect(all.some((d) => d.address.includes(':') && !d.address.includes('/'))).toBe(true);
    // What could not be monitored is visible, with the reason.
    const unmonitorable = await store.objects('dc1', { state: 'unmonitorable', limit: 500 });
    expect(unmonitorable.length).toBe(expected.filter((m) => m.state === 'unmonitorable').length);
    expect(unmonitorable.map((o) => o.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/no primary IP/), expect.stringMatching(/platform/)]),
    );
    expect(await outboxCount()).toBe(monitored.length);
  }, 30_000);

  it('writes nothing and announces nothing when the listing did not change', async () => {
    const xid = await currentXid();
    const before = await inventoryState(xid);
    expect(await sync()).toBeUndefined();
    expect((await lastSync()).counts).toMatchObject({
      created: 0,
      updated: 0,
      disabled: 0,
      removed: 0,
      recorded: 0,
      unchanged: expect.any(Number),
    });
    // No row of the inventory, the NetBox objects or the outbox was inserted, updated or deleted (only the sync's own record was written).
    expect(await inventoryState(xid)).toEqual({ rows: before.rows, written: 0 });
  }, 30_000);

  it('repairs a lost webhook: a device added, one renamed and one tag removed in NetBox reach the inventory at the next sync', async () => {
    netbox.devices.set(2_001, netboxDevice(2_001, { name: 'new-leaf', tags: ['telemetry'], ip4: '10.200.0.1/24' }));
    const renamed = netbox.devices.get(RENAMED)!;
    netbox.devices.set(RENAMED, { ...renamed, name: 'renamed-in-netbox' });
    const untagged = netbox.devices.get(UNTAGGED)!;
    netbox.devices.set(UNTAGGED, { ...untagged, tags: untagged.tags.filter((t) => t.slug !== 'telemetry') });
    expect(await devices.get(`nb-dc1-${UNTAGGED}`)).toMatchObject({ enabled: true });

    await sync();
    expect((await lastSync()).counts).toMatchObject({ created: 1, updated: 1, disabled: 1 });
    expect(await devices.get('nb-dc1-2001')).toMatchObject({ name: 'new-leaf', address: '10.200.0.1', source: 'netbox:dc1' });
    expect(await devices.get(`nb-dc1-${RENAMED}`)).toMatchObject({ name: 'renamed-in-netbox' });
    // The device that left the selection is kept, disabled (on_leave: disable), and its NetBox object says why.
    expect(await devices.get(`nb-dc1-${UNTAGGED}`)).toMatchObject({ enabled: false });
    expect((await store.objects('dc1', { state: 'excluded', limit: 500 })).find((o) => o.object_id === UNTAGGED)?.reason).toMatch(
      /lacks the tag telemetry/,
    );
  }, 30_000);

  it('rides out NetBox answering 503 and then 429 with Retry-After, and applies once it recovers', async () => {
    netbox.devices.set(2_002, netboxDevice(2_002, { tags: ['telemetry'], ip4: '10.200.0.2/24' }));
    netbox.failNext(1, 503);
    const started = Date.now();
    await sync();
    netbox.failNext(2, 429, 1);
    netbox.devices.set(2_003, netboxDevice(2_003, { tags: ['telemetry'], ip4: '10.200.0.3/24' }));
    await sync();
    // Two 429s asked for a second each.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(await devices.get('nb-dc1-2002')).toBeDefined();
    expect(await devices.get('nb-dc1-2003')).toBeDefined();
  }, 30_000);

  it.each([
    ['malformed-json' as const, NetboxListingInvalidError],
    ['wrong-shape' as const, NetboxListingInvalidError],
    ['missing-id' as const, NetboxListingInvalidError],
  ])(
    'applies nothing when page 3 breaks (%s) and records the failure',
    async (how, error) => {
      netbox.devices.set(2_004, netboxDevice(2_004, { tags: ['telemetry'], ip4: '10.200.0.4/24' }));
      netbox.devices.set(RENAMED, { ...netbox.devices.get(RENAMED)!, name: `broken-${how}` });
      netbox.breakPage(400, how);
      const outbox = await outboxCount();
      await expect(sync()).rejects.toBeInstanceOf(error);
      netbox.clearFaults();
      expect(await devices.get('nb-dc1-2004')).toBeUndefined();
      expect(await devices.get(`nb-dc1-${RENAMED}`)).toMatchObject({ name: 'renamed-in-netbox' });
      expect(await outboxCount()).toBe(outbox);
      expect(await lastSync()).toMatchObject({ outcome: 'failed', error_code: 'NETBOX_LISTING_INVALID' });
      netbox.devices.delete(2_004);
      netbox.devices.set(RENAMED, { ...netbox.devices.get(RENAMED)!, name: 'renamed-in-netbox' });
    },
    30_000,
  );

  it('fails a listing whose count moves while it is read', async () => {
    const original = netbox.devices.get(3)!;
    netbox.setLatency(150);
    const running = sync();
    await new Promise((r) => setTimeout(r, 200));
    netbox.devices.delete(3);
    await expect(running).rejects.toBeInstanceOf(NetboxListingChangedError);
    netbox.setLatency(0);
    netbox.devices.set(3, original);
  }, 30_000);

  it('refuses an empty listing while the source has devices, and a listing that would disable most of them', async () => {
    const saved = new Map(netbox.devices);
    netbox.devices.clear();
    const result = await sync();
    expect(result).toMatchObject({ discard: expect.stringMatching(/listing is empty/) });
    expect(await lastSync()).toMatchObject({ outcome: 'refused', error_code: 'NETBOX_SYNC_REFUSED' });
    for (const [id, d] of saved) netbox.devices.set(id, id % 4 === 0 ? d : { ...d, status: { value: 'offline', label: 'Offline' } });
    expect(await sync()).toMatchObject({ discard: expect.stringMatching(/max_removal_fraction/) });
    expect(
      (await devices.list({ source: 'netbox:dc1', limit: 500 })).devices.every((d) => d.id === `nb-dc1-${UNTAGGED}` || d.enabled),
    ).toBe(true);
    netbox.devices.clear();
    for (const [id, d] of saved) netbox.devices.set(id, d);
  }, 30_000);

  it('never touches a device of another source: a NetBox device on its address is unmonitorable instead', async () => {
    const nb = netbox.devices.get(2_002)!;
    await devices.delete('nb-dc1-2002');
    const mine = await devices.create(
      deviceInputSchema.parse({ id: 'by-hand', name: 'by hand', protocol: 'gnmi', address: '10.200.0.2', port: 57400 }),
    );
    await sync();
    expect(await devices.get('by-hand')).toMatchObject({ name: 'by hand', source: 'api', updated_at: mine.updated_at });
    expect(await devices.get('nb-dc1-2002')).toBeUndefined();
    const object = (await store.objects('dc1', { state: 'unmonitorable', limit: 500 })).find((o) => o.object_id === nb.id);
    expect(object?.reason).toMatch(/used by device by-hand/);
  }, 30_000);

  it('snoozes without using an attempt while the breaker to NetBox is open', async () => {
    const fragile = new HttpClient({ log, breakerFailureThreshold: 1, breakerResetTimeoutMs: 30_000, maxAttempts: 1, deadlineMs: 5_000 });
    netbox.failNext(1, 503);
    await expect(sync(fragile)).rejects.toMatchObject({ status: 503 });
    const result = await sync(fragile);
    expect(result).toMatchObject({ snoozeMs: expect.any(Number) });
    expect((result as { snoozeMs: number }).snoozeMs).toBeGreaterThan(20_000);
    await fragile.close();
  }, 30_000);
});
