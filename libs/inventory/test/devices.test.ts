import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { createTopology } from '@switch-telemetry/bus';
import { DeviceConflictError, DeviceRepository, InvalidDeviceError, ProfileRepository } from '../src';
import { inTransaction } from '@switch-telemetry/db';
import { deviceInputSchema, devicePatchSchema, type DeviceInput } from '@switch-telemetry/contracts';

let db: TestDatabase;
let repo: DeviceRepository;
beforeAll(async () => {
  db = await createTestDatabase();
  repo = new DeviceRepository(db.pool);
});
afterAll(() => db.drop());

const leaf = (n: number, extra: Partial<DeviceInput> = {}): DeviceInput =>
  deviceInputSchema.parse({
    id: `leaf-${String(n).padStart(2, '0')}`,
    name: `Leaf ${n}`,
    protocol: 'gnmi',
    address: `127.10.0.${n}`,
    port: 57400,
    ...extra,
  });

describe('DeviceRepository against the real PostgreSQL', () => {
  it('creates, replaces, reads and deletes a device with its subscriptions', async () => {
    const input = leaf(1, {
      tags: { site: 'ams1' },
      subscriptions: [{ name: 'interfaces', paths: ['/interfaces/interface/state/counters'], mode: 'sample', interval_ms: 10_000 }],
    });
    const first = await repo.upsert(input);
    expect(first.created).toBe(true);
    expect(first.device).toMatchObject({ id: 'leaf-01', tags: { site: 'ams1' }, enabled: true, credentials: null });
    expect(first.device.subscriptions).toEqual([
      { name: 'interfaces', paths: ['/interfaces/interface/state/counters'], mode: 'sample', interval_ms: 10_000 },
    ]);

    const second = await repo.upsert({ ...input, name: 'Leaf one', subscriptions: [] });
    expect(second.created).toBe(false);
    expect(second.device).toMatchObject({ name: 'Leaf one', subscriptions: [] });

    const patched = await repo.update('leaf-01', { port: 6030, credentials: 'leaf-creds' });
    expect(patched).toMatchObject({ port: 6030, credentials: 'leaf-creds', name: 'Leaf one' });
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
    expect((await repo.list({ tag: { key: 'rack', value: 'r1' } })).devices.map((d) => d.id)).toEqual([
      'leaf-10',
      'leaf-11',
      'leaf-12',
      'leaf-13',
      'leaf-14',
    ]);
    expect((await repo.list({ search: '127.10.0.2' })).devices.map((d) => d.id)).toEqual([
      'leaf-02',
      'leaf-20',
      'leaf-21',
      'leaf-22',
      'leaf-23',
      'leaf-24',
    ]);
    expect((await repo.list({ search: '%' })).devices).toEqual([]);
  });
});

describe('changes and their events', () => {
  const topology = createTopology({ namespace: 'inv_events' });
  const outbox = async () =>
    (await db.pool.query<{ subject: string; payload: Buffer }>('SELECT subject, payload FROM outbox ORDER BY id')).rows.map((r) => ({
      subject: r.subject,
      body: JSON.parse(r.payload.toString()) as { event: string; id?: string; device?: { id: string } },
    }));

  it('writes the event of each change to the outbox in its own transaction, and nothing for a refused change', async () => {
    await db.pool.query('DELETE FROM outbox');
    const announcing = new DeviceRepository(db.pool, topology);
    await announcing.create(leaf(40));
    await announcing.update('leaf-40', { name: 'Forty' });
    await expect(announcing.create(leaf(40))).rejects.toBeInstanceOf(DeviceConflictError);
    await expect(
      announcing.update(
        'leaf-40',
        { port: 1 },
        {
          authorize: () => {
            throw new Error('not allowed');
          },
        },
      ),
    ).rejects.toThrow('not allowed');
    await announcing.delete('leaf-40');
    expect((await outbox()).map((e) => `${e.subject.split('.').pop()}:${e.body.device?.id ?? e.body.id}`)).toEqual([
      'upserted:leaf-40',
      'upserted:leaf-40',
      'deleted:leaf-40',
    ]);
    expect(await repo.get('leaf-40')).toBeUndefined();
  });

  it('a PATCH of one field leaves every other field as it was', async () => {
    const full = leaf(41, {
      enabled: false,
      credentials: 'core',
      tls: { plaintext: true },
      host_key: { fingerprints: [`SHA256:${'A'.repeat(43)}`] },
      tags: { site: 'ams1' },
      subscriptions: [{ name: 'if', paths: ['/interfaces'], mode: 'sample', interval_ms: 1_000 }],
    });
    await repo.create(full);
    const patch = devicePatchSchema.parse({ name: 'Renamed' });
    expect(patch).toEqual({ name: 'Renamed' });
    const after = await repo.update('leaf-41', patch);
    const { created_at: _c, updated_at: _u, source, effective_subscriptions, ...rest } = after!;
    expect(rest).toEqual({ ...full, name: 'Renamed' });
    expect(source).toBe('api');
    expect(effective_subscriptions).toEqual(full.subscriptions);
  });

  it('checks the result of a PATCH as a whole device: a protocol change that strands gNMI subscriptions is refused and nothing changes', async () => {
    await repo.create(leaf(42, { subscriptions: [{ name: 'if', paths: ['/interfaces'], mode: 'sample', interval_ms: 1_000 }] }));
    const refused = repo.update('leaf-42', devicePatchSchema.parse({ protocol: 'netconf', port: 830 }));
    await expect(refused).rejects.toBeInstanceOf(InvalidDeviceError);
    await expect(refused).rejects.toMatchObject({
      problems: [{ field: 'subscriptions.0.mode', problem: expect.stringContaining('netconf') }],
    });
    expect(await repo.get('leaf-42')).toMatchObject({ protocol: 'gnmi', port: 57400 });
    // With subscriptions the new protocol runs, the same change is taken.
    const moved = await repo.update(
      'leaf-42',
      devicePatchSchema.parse({
        protocol: 'netconf',
        port: 830,
        subscriptions: [{ name: 'if', paths: ['/interfaces'], mode: 'get', interval_ms: 1_000 }],
      }),
    );
    expect(moved).toMatchObject({ protocol: 'netconf', subscriptions: [{ mode: 'get' }] });
  });

  it('applies a batch with a few statements; its events carry the records exactly as a read gives them', async () => {
    await db.pool.query('DELETE FROM outbox');
    await new ProfileRepository(db.pool).put('batch-base', {
      description: '',
      subscriptions: [{ name: 'cpu', paths: ['/system/cpus'], mode: 'sample', interval_ms: 5_000, options: { encoding: 'json' } }],
    });
    const announcing = new DeviceRepository(db.pool, topology);
    const options = { source: 'netbox:test', changedAt: new Date(), eventKey: 'batch-0' };
    await inTransaction(db.pool, (tx) => announcing.applyBatch(tx, { upsert: [leaf(60)], remove: [] }, options));
    const batch = [
      leaf(60, { name: 'Sixty again', profiles: ['batch-base'] }),
      leaf(61, {
        tags: { a: '1' },
        subscriptions: [
          { name: 'z-last', paths: ['/z'], mode: 'on_change' },
          { name: 'a-first', paths: ['/a'], mode: 'sample', interval_ms: 1_000, options: {} },
        ],
      }),
      leaf(62, { enabled: false }),
    ];
    await db.pool.query('DELETE FROM outbox');
    const result = await inTransaction(db.pool, (tx) =>
      announcing.applyBatch(tx, { upsert: batch, remove: ['leaf-02'] }, { ...options, eventKey: 'batch-1' }),
    );
    expect(result).toEqual({ created: 2, updated: 1, removed: 1 });
    const events = await outbox();
    const read = await announcing.getMany(['leaf-60', 'leaf-61', 'leaf-62']);
    expect(events.map((e) => e.body)).toEqual([
      ...read.map((device) => ({ v: 1, event: 'upserted', device })),
      { v: 1, event: 'deleted', id: 'leaf-02' },
    ]);
    expect(read.map((d) => d.source)).toEqual(['netbox:test', 'netbox:test', 'netbox:test']);
    expect(read[0]!.effective_subscriptions.map((s) => s.name)).toEqual(['cpu']);
    // A record of another owner is never overwritten by a batch: the whole batch is refused.
    await announcing.create(leaf(63));
    await expect(
      inTransaction(db.pool, (tx) =>
        announcing.applyBatch(tx, { upsert: [leaf(63, { name: 'taken' })], remove: [] }, { ...options, eventKey: 'b2' }),
      ),
    ).rejects.toBeInstanceOf(DeviceConflictError);
    expect(await announcing.get('leaf-63')).toMatchObject({ name: 'Leaf 63', source: 'api' });
  });
});
