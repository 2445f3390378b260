import { DeviceRepository, ProfileRepository, webhookProcessJob } from '@switch-telemetry/inventory';
import { NetboxStore, netboxSourceSchema, netboxWebhookHandler } from '@switch-telemetry/netbox';
import { netboxDevice, netboxSignature, netboxWebhookBody, sendNetboxWebhook } from '@switch-telemetry/netbox/testing';
import { SECRETS, startIngress, workWebhooks, type Ingress } from './harness';

// NetBox webhooks end to end: signed as NetBox signs them (X-Hook-Signature, HMAC-SHA512 of the body),
// accepted by the ingress into JetStream, applied by the webhook worker (the discovery app's, here in
// the test process) through the source's mapping, against the real NATS and PostgreSQL.

let ingress: Ingress;
let devices: DeviceRepository;
let objects: NetboxStore;
const source = netboxSourceSchema.parse({
  name: 'nb',
  url: 'https://netbox.example.com',
  allowed_subnets: ['10.9.0.0/16'],
  select: { statuses: ['active'], tags: ['telemetry'] },
  platforms: { eos: { protocol: 'gnmi', port: 6030, profiles: ['leaf-counters'] } },
});

beforeAll(async () => {
  ingress = await startIngress();
  devices = new DeviceRepository(ingress.db.pool);
  objects = new NetboxStore(ingress.db.pool);
  await new ProfileRepository(ingress.db.pool).put('leaf-counters', {
    description: 'interface counters every 10 s',
    subscriptions: [{ name: 'counters', paths: ['/interfaces/interface/state/counters'], mode: 'sample', interval_ms: 10_000 }],
  });
  const memory = { contentWindowMs: 300_000, retentionMs: 7 * 86_400_000 };
  const onChange = () => ingress.outbox.kick();
  const handler = netboxWebhookHandler({
    pool: ingress.db.pool,
    topology: ingress.topology,
    source,
    memory,
    registry: ingress.registry,
    onChange,
  });
  workWebhooks(ingress, { handlers: new Map([['nb', handler]]) });
  await ingress.jobs.start();
}, 30_000);
afterAll(() => ingress.close());

const url = () => `${ingress.url}/v1/webhooks/nb`;

async function until<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function counted(metric: string, labels: Record<string, string>): Promise<number> {
  const values = (await ingress.registry.getSingleMetric(metric)?.get())?.values ?? [];
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((a, v) => a + v.value, 0);
}

async function deadJobs(): Promise<number> {
  return Number((await ingress.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM dead_jobs')).rows[0]!.n);
}

describe('NetBox webhooks (scheme netbox)', () => {
  it('creates, updates and deletes a device as NetBox announces it', async () => {
    const events = await ingress.deviceEvents();
    const nb = netboxDevice(101, { name: 'leaf-101', ip4: '10.9.0.101/24', tags: ['telemetry'] });
    const created = await sendNetboxWebhook(url(), SECRETS.netbox, netboxWebhookBody('created', nb));
    expect(created.status).toBe(202);
    const device = await until(() => devices.get('nb-nb-101'), 'device created');
    expect(device).toMatchObject({ name: 'leaf-101', address: '10.9.0.101', port: 6030, source: 'netbox:nb', profiles: ['leaf-counters'] });
    expect(device.effective_subscriptions.map((s) => s.name)).toEqual(['counters']);
    // Stored under a subject that says which object changed.
    expect(await ingress.count('events', 'events.webhook.nb.dcim.device.created')).toBe(1);

    // Signed with the secret being rotated out, still accepted.
    const renamed = { ...nb, name: 'leaf-101-renamed' };
    expect((await sendNetboxWebhook(url(), SECRETS.netboxOld, netboxWebhookBody('updated', renamed))).status).toBe(202);
    await until(async () => (await devices.get('nb-nb-101'))?.name === 'leaf-101-renamed', 'device renamed');

    const offline = { ...renamed, status: { value: 'offline', label: 'Offline' } };
    expect((await sendNetboxWebhook(url(), SECRETS.netbox, netboxWebhookBody('updated', offline))).status).toBe(202);
    await until(async () => (await devices.get('nb-nb-101'))?.enabled === false, 'device disabled when it went offline');

    expect((await sendNetboxWebhook(url(), SECRETS.netbox, netboxWebhookBody('deleted', offline))).status).toBe(202);
    await until(async () => (await devices.get('nb-nb-101')) === undefined, 'device deleted');
    await until(async () => (await ingress.deviceEvents()) === events + 4, 'four device events');
  }, 30_000);

  it('applies the same change delivered twice once, however late the second', async () => {
    const body = netboxWebhookBody('created', netboxDevice(102, { ip4: '10.9.0.102/24', tags: ['telemetry'] }));
    const first = await sendNetboxWebhook(url(), SECRETS.netbox, body);
    expect(JSON.parse(first.body)).toMatchObject({ status: 'accepted', duplicate: false });
    await until(() => devices.get('nb-nb-102'), 'device created');
    const again = await sendNetboxWebhook(url(), SECRETS.netbox, body);
    expect(JSON.parse(again.body)).toMatchObject({ status: 'accepted', duplicate: true });
    // Past the stream's window (the ingress cannot tell), the worker remembers the delivery: a repeat is not applied.
    const repeats = await counted('webhook_deliveries_total', { source: 'nb', stage: 'worker', outcome: 'duplicate' });
    const events = await ingress.deviceEvents();
    const { rows } = await ingress.db.pool.query<{ delivery_id: string }>(`SELECT delivery_id FROM webhook_deliveries WHERE source = 'nb'`);
    expect(rows.some((r) => r.delivery_id.startsWith('nb:'))).toBe(true);
    await ingress.jobs.enqueue(webhookProcessJob, {
      source: 'nb',
      deliveryId: rows.find((r) => r.delivery_id.includes(':102:'))!.delivery_id,
      event: 'dcim.device.created',
      payload: JSON.parse(body.toString()) as Record<string, unknown>,
      identity: 'sender',
      receivedAt: new Date().toISOString(),
    });
    await until(
      async () => (await counted('webhook_deliveries_total', { source: 'nb', stage: 'worker', outcome: 'duplicate' })) > repeats,
      'repeat recognised',
    );
    expect(await ingress.deviceEvents()).toBe(events);
  }, 30_000);

  it('keeps an older change from undoing a newer one', async () => {
    const nb = netboxDevice(103, { name: 'v2', ip4: '10.9.0.103/24', tags: ['telemetry'] });
    const now = Date.now();
    await sendNetboxWebhook(url(), SECRETS.netbox, netboxWebhookBody('created', nb, { timestamp: new Date(now - 1_000) }));
    await until(async () => (await devices.get('nb-nb-103'))?.name === 'v2', 'created');
    const stale = netboxWebhookBody('updated', { ...nb, name: 'v1' }, { timestamp: new Date(now - 60_000) });
    const superseded = await counted('webhook_deliveries_total', { source: 'nb', stage: 'worker', outcome: 'superseded' });
    expect((await sendNetboxWebhook(url(), SECRETS.netbox, stale)).status).toBe(202);
    await until(
      async () => (await counted('webhook_deliveries_total', { source: 'nb', stage: 'worker', outcome: 'superseded' })) > superseded,
      'superseded',
    );
    expect(await devices.get('nb-nb-103')).toMatchObject({ name: 'v2' });
  }, 30_000);

  it('accepts a device it cannot monitor and records why, without a dead letter', async () => {
    const dead = await deadJobs();
    const noIp = netboxDevice(104, { ip4: null, ip6: null, tags: ['telemetry'] });
    expect((await sendNetboxWebhook(url(), SECRETS.netbox, netboxWebhookBody('created', noIp))).status).toBe(202);
    const unmapped = netboxDevice(105, { platform: 'junos', tags: ['telemetry'], ip4: '10.9.0.105/24' });
    expect((await sendNetboxWebhook(url(), SECRETS.netbox, netboxWebhookBody('created', unmapped, { style: 'model' }))).status).toBe(202);
    const recorded = await until(async () => {
      const found = await objects.objects('nb', { state: 'unmonitorable' });
      return found.length >= 2 && found;
    }, 'recorded as unmonitorable');
    expect(recorded.map((o) => [o.object_id, o.reason])).toEqual([
      [104, expect.stringMatching(/no primary IP/)],
      [105, expect.stringMatching(/platform junos has no mapping/)],
    ]);
    expect(await devices.get('nb-nb-104')).toBeUndefined();
    expect(await deadJobs()).toBe(dead);
  }, 30_000);

  it('acknowledges objects it does not follow, counting them', async () => {
    const site = netboxWebhookBody('updated', { id: 7, name: 'dc1', slug: 'dc1' }, { objectType: 'dcim.site' });
    const before = await counted('netbox_webhooks_ignored_total', { source: 'nb' });
    expect((await sendNetboxWebhook(url(), SECRETS.netbox, site)).status).toBe(202);
    await until(async () => (await counted('netbox_webhooks_ignored_total', { source: 'nb' })) > before, 'ignored and counted');
  }, 30_000);

  it('applies a delivery through the NetBox mapping only when the ingress verified it as NetBox', async () => {
    const dead = await deadJobs();
    const body = JSON.parse(
      netboxWebhookBody('created', netboxDevice(107, { tags: ['telemetry'], ip4: '10.9.0.107/24' })).toString(),
    ) as Record<string, unknown>;
    const job = (source: string, scheme: 'hex' | 'netbox') =>
      ingress.jobs.enqueue(webhookProcessJob, {
        source,
        deliveryId: `scheme-test-${source}-${scheme}`,
        event: 'dcim.device.created',
        payload: body,
        identity: 'sender',
        receivedAt: new Date().toISOString(),
        scheme,
      });
    await job('nb', 'hex');
    await job('unknown-netbox', 'netbox');
    await until(async () => (await deadJobs()) === dead + 2, 'both discarded');
    const { rows } = await ingress.db.pool.query<{ reason: string }>('SELECT reason FROM dead_jobs ORDER BY dead_at DESC LIMIT 2');
    expect(rows.map((r) => r.reason).sort()).toEqual([
      expect.stringMatching(/is a NetBox source here, but the ingress verified it as scheme hex/),
      expect.stringMatching(/no NetBox mapping of that name/),
    ]);
    expect(await devices.get('nb-nb-107')).toBeUndefined();
  }, 30_000);

  it('refuses a wrong or missing signature, and a body that is not NetBox-shaped', async () => {
    const body = netboxWebhookBody('created', netboxDevice(106, { tags: ['telemetry'] }));
    const post = (headers: Record<string, string>, bytes = body) =>
      fetch(url(), { method: 'POST', body: bytes, headers: { 'content-type': 'application/json', ...headers } });
    expect((await post({ 'x-hook-signature': netboxSignature('not-the-secret-at-all', body) })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    const plain = Buffer.from('{"hello": "world"}');
    const res = await post({ 'x-hook-signature': netboxSignature(SECRETS.netbox, plain) }, plain);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ detail: expect.stringMatching(/object_type/) });
  });
});
