import { NetboxStore } from '@switch-telemetry/netbox';
import { TOKENS, startIngress, type Ingress } from './harness';

// Subscription profiles and the NetBox routes through the REST API, against the real NATS and PostgreSQL.

let ingress: Ingress;
beforeAll(async () => {
  ingress = await startIngress();
}, 30_000);
afterAll(() => ingress.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${ingress.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.token ?? TOKENS.write}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
}

const counters = { name: 'counters', paths: ['/interfaces/interface/state/counters'], mode: 'sample', interval_ms: 10_000 };
const bgp = { name: 'bgp', paths: ['/network-instances/network-instance/protocols/protocol/bgp'], mode: 'on_change' };
const rpc = { name: 'rpc', paths: ['<interfaces/>'], mode: 'get', interval_ms: 30_000 };

describe('subscription profiles', () => {
  it('creates, versions and lists a profile; If-Match refuses a change made on an old version', async () => {
    const created = await call('PUT', '/v1/subscription-profiles/leaf', {
      body: { description: 'leaf counters', subscriptions: [counters] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'leaf', version: 1, devices: 0, devices_told: 0 });
    expect(created.headers.get('etag')).toBe('"1"');
    const changed = await call('PUT', '/v1/subscription-profiles/leaf', {
      body: { description: 'leaf counters', subscriptions: [counters, bgp] },
      headers: { 'if-match': '"1"' },
    });
    expect(changed.body).toMatchObject({ version: 2 });
    const stale = await call('PUT', '/v1/subscription-profiles/leaf', {
      body: { subscriptions: [counters] },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    // The same content again is no new version.
    expect(
      (await call('PUT', '/v1/subscription-profiles/leaf', { body: { description: 'leaf counters', subscriptions: [counters, bgp] } }))
        .body,
    ).toMatchObject({
      version: 2,
    });
    expect((await call('GET', '/v1/subscription-profiles', { token: TOKENS.read })).body.profiles).toEqual([
      expect.objectContaining({ name: 'leaf', version: 2 }),
    ]);
    expect((await call('PUT', '/v1/subscription-profiles/leaf', { token: TOKENS.read, body: { subscriptions: [] } })).status).toBe(403);
    expect((await call('PUT', '/v1/subscription-profiles/Bad%20Name', { body: { subscriptions: [] } })).status).toBe(400);
    expect(
      (await call('PUT', '/v1/subscription-profiles/x', { body: { subscriptions: [{ ...counters, mode: 'sometimes' }] } })).status,
    ).toBe(400);
  });

  it("gives a device its profiles' subscriptions then its own, and tells only the devices that name a profile when it changes", async () => {
    await call('PUT', '/v1/subscription-profiles/nc', { body: { subscriptions: [rpc] } });
    const withProfile = await call('POST', '/v1/devices', {
      body: {
        id: 'p-1',
        name: 'p-1',
        protocol: 'gnmi',
        address: '127.10.9.1',
        port: 57400,
        profiles: ['leaf'],
        subscriptions: [{ ...bgp, mode: 'sample', interval_ms: 5_000 }],
      },
    });
    expect(withProfile.status).toBe(201);
    // The device's own bgp replaces the profile's; the NETCONF-only profile subscription is not run on gNMI.
    expect(withProfile.body.effective_subscriptions).toEqual([counters, { ...bgp, mode: 'sample', interval_ms: 5_000 }]);
    const other = await call('POST', '/v1/devices', {
      body: { id: 'p-2', name: 'p-2', protocol: 'gnmi', address: '127.10.9.2', port: 57400 },
    });
    expect(other.status).toBe(201);
    expect(
      (
        await call('POST', '/v1/devices', {
          body: { id: 'p-3', name: 'p-3', protocol: 'gnmi', address: '127.10.9.3', port: 57400, profiles: ['nope'] },
        })
      ).status,
    ).toBe(400);

    const shown = await call('GET', '/v1/devices/p-1/subscriptions', { token: TOKENS.read });
    expect(shown.body).toMatchObject({
      device: 'p-1',
      profiles: [{ name: 'leaf', version: 2 }],
      effective: [
        { name: 'counters', from: 'profile:leaf' },
        { name: 'bgp', from: 'device' },
      ],
    });

    const before = await ingress.deviceEvents();
    const edited = await call('PUT', '/v1/subscription-profiles/leaf', { body: { subscriptions: [{ ...counters, interval_ms: 1_000 }] } });
    expect(edited.body).toMatchObject({ version: 3, devices: 1, devices_told: 1 });
    expect(await ingress.deviceEvents()).toBe(before + 1);
    expect((await call('GET', '/v1/devices/p-1')).body.effective_subscriptions[0]).toMatchObject({ name: 'counters', interval_ms: 1_000 });
    expect((await call('GET', '/v1/devices?profile=leaf')).body.devices.map((d: Json) => d.id)).toEqual(['p-1']);
    expect((await call('GET', '/v1/devices?source=api')).body.devices.map((d: Json) => d.id)).toEqual(['p-1', 'p-2']);

    const inUse = await call('DELETE', '/v1/subscription-profiles/leaf');
    expect(inUse.status).toBe(409);
    expect(inUse.body.detail).toMatch(/p-1/);
    expect((await call('DELETE', '/v1/subscription-profiles/nc')).status).toBe(204);
    expect((await call('GET', '/v1/subscription-profiles/nc')).status).toBe(404);
  });
});

describe('NetBox routes', () => {
  it('shows syncs and unmonitorable devices of a source, and enqueues a sync on request', async () => {
    await new NetboxStore(ingress.db.pool).recordSync({
      source: 'dc1',
      job_id: 'j1',
      startedAt: new Date(Date.now() - 1_500),
      outcome: 'applied',
      counts: { listed: 3, created: 2 },
      error_code: null,
      error: null,
    });
    await ingress.db.pool.query(
      `INSERT INTO netbox_objects (source, object_id, name, device_id, state, reason) VALUES ('dc1', 9, 'sw-9', 'nb-dc1-9', 'unmonitorable', 'it has no primary IP address')`,
    );
    const syncs = await call('GET', '/v1/netbox/dc1/syncs', { token: TOKENS.read });
    expect(syncs.body.syncs).toEqual([
      expect.objectContaining({ outcome: 'applied', counts: { listed: 3, created: 2 }, duration_ms: expect.any(Number) }),
    ]);
    expect(syncs.body.syncs[0].duration_ms).toBeGreaterThanOrEqual(1_000);
    const objects = await call('GET', '/v1/netbox/dc1/objects?state=unmonitorable', { token: TOKENS.read });
    expect(objects.body.objects).toEqual([expect.objectContaining({ object_id: 9, reason: 'it has no primary IP address' })]);
    const asked = await call('POST', '/v1/netbox/dc1/sync');
    expect(asked.status).toBe(202);
    expect(await ingress.count('jobs', 'jobs.maintenance.>')).toBeGreaterThanOrEqual(1);
    expect((await call('POST', '/v1/netbox/dc1/sync', { token: TOKENS.read })).status).toBe(403);
    expect((await call('GET', '/v1/netbox/..%2Fetc/syncs', { token: TOKENS.read })).status).toBe(400);
  });
});
