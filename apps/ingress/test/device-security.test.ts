import { TOKENS, startIngress, type Ingress } from './harness';

// What a write token must not be able to do: send a device's credentials
// somewhere of its choosing, or make the collector read its own secrets.
let ingress: Ingress;
beforeAll(async () => {
  ingress = await startIngress();
});
afterAll(() => ingress.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${ingress.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const core = { id: 'core-1', name: 'Core 1', protocol: 'gnmi', address: '10.1.0.1', port: 57400, credentials: 'core-routers' };

describe('credentials are names an operator defined', () => {
  it.each([
    'env:DATABASE_URL',
    'env:NATS_TOKEN',
    'file:/proc/self/environ',
    'file:/etc/shadow',
    'file:/var/run/secrets/kubernetes.io/serviceaccount/token',
    '../x',
    'CORE',
  ])('refuses %j with 400 naming the field, even for admin', async (credentials) => {
    const res = await call('POST', '/v1/devices', TOKENS.admin, { ...core, id: 'x-1', credentials });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: Json) => e.field)).toContain('credentials');
  });

  it('refuses a path where a trust file is named', async () => {
    const res = await call('POST', '/v1/devices', TOKENS.admin, { ...core, id: 'x-2', tls: { ca: '/etc/ssl/private/key.pem' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: Json) => e.field)).toContain('tls.ca');
  });
});

describe('where secrets go needs the admin scope', () => {
  it('a write token cannot create a device that uses credentials; admin can', async () => {
    const denied = await call('POST', '/v1/devices', TOKENS.write, core);
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/admin scope.*credentials/);
    expect((await call('GET', '/v1/devices/core-1', TOKENS.read)).status).toBe(404);
    expect((await call('POST', '/v1/devices', TOKENS.admin, core)).status).toBe(201);
  });

  it.each([
    ['address', { address: '192.0.2.66' }],
    ['port', { port: 6030 }],
    ['credentials', { credentials: 'other' }],
    ['tls.plaintext', { tls: { plaintext: true } }],
    ['tls.insecure_skip_verify', { tls: { insecure_skip_verify: true } }],
    ['host_key.trust_on_first_use', { host_key: { trust_on_first_use: true } }],
    ['protocol', { protocol: 'netconf' }],
  ])('a write token cannot change %s of a device (403, nothing changes)', async (field, patch) => {
    const res = await call('PATCH', '/v1/devices/core-1', TOKENS.write, patch);
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain(field);
    expect((await call('GET', '/v1/devices/core-1', TOKENS.read)).body).toMatchObject({
      address: '10.1.0.1',
      port: 57400,
      credentials: 'core-routers',
      tls: {},
      protocol: 'gnmi',
    });
  });

  it('a write token can rename, tag, disable and change subscriptions; a PUT that keeps the guarded fields passes', async () => {
    const patched = await call('PATCH', '/v1/devices/core-1', TOKENS.write, {
      name: 'Core one',
      tags: { site: 'ams1' },
      enabled: false,
      subscriptions: [{ name: 'if', paths: ['/interfaces'], mode: 'sample', interval_ms: 10_000 }],
    });
    expect(patched.status).toBe(200);
    // A PATCH changes only what it was sent.
    expect(patched.body).toMatchObject({ ...core, name: 'Core one', enabled: false, tls: {}, host_key: {} });
    const { id: _id, ...rest } = core;
    expect((await call('PUT', '/v1/devices/core-1', TOKENS.write, { ...rest, name: 'Core 1 again' })).status).toBe(200);
    expect((await call('PUT', '/v1/devices/core-1', TOKENS.write, { ...rest, address: '192.0.2.66' })).status).toBe(403);
  });

  it('admin moves a device; nothing of the refused changes reached the event stream', async () => {
    expect((await call('PATCH', '/v1/devices/core-1', TOKENS.admin, { address: '10.1.0.2' })).status).toBe(200);
    expect(await ingress.outbox.drain(5_000)).toBe(true);
    // create, patch (write), put (write), patch (admin): four accepted changes, four events.
    expect(await ingress.count('events', 'events.device.>')).toBe(4);
  });
});
