import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { DeviceConflictError, DeviceRepository, deviceInputSchema, type DeviceInput } from '../src';

let db: TestDatabase;
let repo: DeviceRepository;
beforeAll(async () => {
  db = await createTestDatabase();
  repo = new DeviceRepository(db.pool);
});
afterAll(() => db.drop());

const leaf = (n: number, extra: Partial<DeviceInput> = {}): DeviceInput =>
  deviceInputSchema.parse({ id: `leaf-${String(n).padStart(2, '0')}`, name: `Leaf ${n}`, protocol: 'gnmi', address: `127.10.0.${n}`, port: 57400, ...extra });

describe('DeviceRepository against the real PostgreSQL', () => {
  it('creates, replaces, reads and deletes a device with its subscriptions', async () => {
    const input = leaf(1, {
      tags: { site: 'ams1' },
      subscriptions: [{ name: 'interfaces', paths: ['/interfaces/interface/state/counters'], mode: 'sample', interval_ms: 10_000 }],
    });
    const first = await repo.upsert(input);
    expect(first.created).toBe(true);
    expect(first.device).toMatchObject({ id: 'leaf-01', tags: { site: 'ams1' }, enabled: true, credentials_ref: null });
    expect(first.device.subscriptions).toEqual([{ name: 'interfaces', paths: ['/interfaces/interface/state/counters'], mode: 'sample', interval_ms: 10_000 }]);

    const second = await repo.upsert({ ...input, name: 'Leaf one', subscriptions: [] });
    expect(second.created).toBe(false);
    expect(second.device).toMatchObject({ name: 'Leaf one', subscriptions: [] });

    const patched = await repo.update('leaf-01', { port: 6030, credentials_ref: 'vault:leaf-01' });
    expect(patched).toMatchObject({ port: 6030, credentials_ref: 'vault:leaf-01', name: 'Leaf one' });
    expect(await repo.update('nope', { port: 1 })).toBeUndefined();

    expect(await repo.delete('leaf-01')).toBe(true);
    expect(await repo.get('leaf-01')).toBeUndefined();
    expect(await repo.delete('leaf-01')).toBe(false);
  });

  it('refuses a second device on the same address and port', async () => {
    await repo.upsert(leaf(2));
    await expect(repo.upsert({ ...leaf(3), address: '127.10.0.2' })).rejects.toBeInstanceOf(DeviceConflictError);
  });

  it('pages in id order and filters by protocol, tag and search', async () => {
    for (let n = 10; n < 25; n += 1) {
      await repo.upsert(leaf(n, { protocol: n % 2 ? 'netconf' : 'gnmi', port: n % 2 ? 830 : 57400, tags: { rack: n < 15 ? 'r1' : 'r2' } }));
    }
    const page1 = await repo.list({ limit: 5 });
    expect(page1.devices.map((d) => d.id)).toEqual(['leaf-02', 'leaf-10', 'leaf-11', 'leaf-12', 'leaf-13']);
    const page2 = await repo.list({ limit: 5, after: page1.next });
    expect(page2.devices[0]!.id).toBe('leaf-14');
    const netconf = await repo.list({ protocol: 'netconf', limit: 100 });
    expect(netconf.devices.every((d) => d.protocol === 'netconf')).toBe(true);
    expect(netconf.next).toBeUndefined();
    expect((await repo.list({ tag: { key: 'rack', value: 'r1' } })).devices.map((d) => d.id)).toEqual(['leaf-10', 'leaf-11', 'leaf-12', 'leaf-13', 'leaf-14']);
    expect((await repo.list({ search: '127.10.0.2' })).devices.map((d) => d.id)).toEqual(['leaf-02', 'leaf-20', 'leaf-21', 'leaf-22', 'leaf-23', 'leaf-24']);
    expect((await repo.list({ search: '%' })).devices).toEqual([]);
  });
});
