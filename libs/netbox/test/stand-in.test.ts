import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  netboxDevice,
  netboxDevices,
  netboxSignature,
  netboxWebhookBody,
  sendNetboxWebhook,
  startNetboxStandIn,
  type NetboxDevice,
  type NetboxStandIn,
} from '../src/testing';

const HOST = '127.77.0.1';
const TOKEN = '0123456789abcdef0123456789abcdef01234567';
const AUTH = { Authorization: `Token ${TOKEN}` };

interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: NetboxDevice[];
}

describe('NetBox stand-in: devices API', () => {
  let netbox: NetboxStandIn;

  beforeEach(async () => {
    netbox = await startNetboxStandIn({ token: TOKEN, host: HOST, devices: netboxDevices(1_000, { mixed: true }) });
  });
  afterEach(() => netbox.close());

  const list = (query: string, headers: Record<string, string> = AUTH) => fetch(`${netbox.url}/api/dcim/devices/?${query}`, { headers });

  it('listens on the given loopback address', () => {
    expect(netbox.url).toMatch(/^http:\/\/127\.77\.0\.1:\d+$/);
  });

  it('requires the token', async () => {
    const missing = await fetch(`${netbox.url}/api/dcim/devices/`);
    expect(missing.status).toBe(403);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(await missing.json()).toEqual({ detail: 'Invalid token' });
    expect((await list('', { Authorization: 'Token wrong' })).status).toBe(403);
    expect((await list('', AUTH)).status).toBe(200);
    expect(netbox.requests.map((r) => r.authorization)).toEqual([undefined, 'Token wrong', `Token ${TOKEN}`]);
  });

  it('answers 404 for other paths', async () => {
    const res = await fetch(`${netbox.url}/api/dcim/interfaces/`, { headers: AUTH });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not found.' });
  });

  it('pages through every device by following next', async () => {
    const seen: number[] = [];
    let url: string | null = `${netbox.url}/api/dcim/devices/?limit=200&ordering=id`;
    let pages = 0;
    while (url) {
      const page = (await (await fetch(url, { headers: AUTH })).json()) as Page;
      expect(page.count).toBe(1_000);
      seen.push(...page.results.map((d) => d.id));
      if (pages > 0) expect(page.previous).toMatch(new RegExp(`^${netbox.url}/api/dcim/devices/\\?`));
      url = page.next;
      pages += 1;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect(netbox.requests[1]?.url).toContain('offset=200');
    expect(netbox.requests[1]?.url).toContain('ordering=id');
  });

  it('defaults to 50 a page and caps the limit at maxPageSize', async () => {
    const first = (await (await list('')).json()) as Page;
    expect(first.results).toHaveLength(50);
    expect(first.previous).toBeNull();
    const capped = (await (await list('limit=5000')).json()) as Page;
    expect(capped.results).toHaveLength(1_000);
    expect(capped.next).toBeNull();
  });

  it('filters by status and by tag', async () => {
    const offline = (await (await list('status=offline&limit=1000')).json()) as Page;
    expect(offline.count).toBe(100);
    expect(offline.results.every((d) => d.status.value === 'offline')).toBe(true);

    const either = (await (await list('status=offline&status=active&limit=1')).json()) as Page;
    expect(either.count).toBe(1_000);

    const telemetry = (await (await list('tag=telemetry&limit=1000')).json()) as Page;
    expect(telemetry.count).toBe(950);
    expect(telemetry.results.every((d) => d.tags.some((t) => t.slug === 'telemetry'))).toBe(true);

    const both = (await (await list('tag=telemetry&tag=core&limit=1000')).json()) as Page;
    expect(both.results.every((d) => d.tags.length === 2)).toBe(true);
    expect(both.count).toBeGreaterThan(0);
    expect(both.next).toBeNull();

    const junos = (await (await list('platform=junos&site=dc1&role=leaf&unknown=x&limit=1000')).json()) as Page;
    expect(junos.count).toBeGreaterThan(0);
    expect(junos.results.every((d) => d.platform?.slug === 'junos')).toBe(true);
  });

  it('reflects changes made to the devices map', async () => {
    netbox.devices.delete(1);
    netbox.devices.set(5_000, netboxDevice(5_000, { status: 'planned' }));
    const page = (await (await list('status=planned')).json()) as Page;
    expect(page.results.map((d) => d.id)).toEqual([5_000]);
  });

  it('fails the next list requests on demand, with Retry-After, then recovers', async () => {
    netbox.failNext(1, 503, 7);
    netbox.failNext(2, 429, 3);
    for (let i = 0; i < 2; i += 1) {
      const res = await list('');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(await res.json()).toHaveProperty('detail');
    }
    expect((await list('')).status).toBe(200);

    netbox.failNext(1, 503, 7);
    const unavailable = await list('');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('7');
    expect((await list('')).status).toBe(200);
  });

  it('breaks exactly the chosen page with malformed JSON until cleared', async () => {
    netbox.breakPage(200, 'malformed-json');
    const good = await list('limit=200&offset=0');
    expect(good.status).toBe(200);
    expect(((await good.json()) as Page).results).toHaveLength(200);

    for (let i = 0; i < 2; i += 1) {
      const broken = await list('limit=200&offset=200');
      expect(broken.status).toBe(200);
      const text = await broken.text();
      expect(text.length).toBeGreaterThan(0);
      expect(() => JSON.parse(text)).toThrow();
    }
    expect((await list('limit=200&offset=400')).status).toBe(200);

    netbox.clearFaults();
    expect(((await (await list('limit=200&offset=200')).json()) as Page).results).toHaveLength(200);
  });

  it('can answer a page with the wrong shape, reset the connection or hang', async () => {
    netbox.breakPage(0, 'wrong-shape');
    expect(await (await list('')).json()).toEqual({ results: 'nope' });

    netbox.breakPage(0, 'reset');
    await expect(list('')).rejects.toThrow();

    netbox.breakPage(0, 'hang');
    await expect(fetch(`${netbox.url}/api/dcim/devices/`, { headers: AUTH, signal: AbortSignal.timeout(200) })).rejects.toThrow();
  });

  it('closes while a request hangs', async () => {
    netbox.breakPage(0, 'hang');
    const hanging = list('').then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await netbox.close();
    expect(await hanging).toBe('failed');
  });

  it('delays answers by the latency set', async () => {
    netbox.setLatency(150);
    const started = Date.now();
    expect((await list('')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('NetBox device fixtures', () => {
  it('build devices in NetBox shape with defaults and overrides', () => {
    const d = netboxDevice(7);
    expect(d).toMatchObject({
      id: 7,
      name: 'sw-7',
      display: 'sw-7',
      status: { value: 'active', label: 'Active' },
      role: { slug: 'leaf' },
      platform: { slug: 'eos' },
      site: { slug: 'dc1' },
      primary_ip4: { family: { value: 4, label: 'IPv4' }, address: '10.0.0.7/24' },
      primary_ip6: null,
      tags: [],
      custom_fields: {},
    });
    expect(d.primary_ip).toEqual(d.primary_ip4);
    expect(d.device_role).toBeUndefined();
    expect(d.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const legacy = netboxDevice(8, { legacyRole: true, platform: null, ip4: null, ip6: '2001:db8::5/64', name: null });
    expect(legacy.role).toBeUndefined();
    expect(legacy.device_role).toMatchObject({ slug: 'leaf' });
    expect(legacy.platform).toBeNull();
    expect(legacy.primary_ip).toMatchObject({ family: { value: 6 }, address: '2001:db8::5/64' });
    expect(legacy.name).toBeNull();
  });

  it('give unique IPv4 addresses', () => {
    const addresses = netboxDevices(2_000).map((d) => d.primary_ip4?.address);
    expect(new Set(addresses).size).toBe(2_000);
  });

  it('mix in null platforms, IPv6-only and address-less devices', () => {
    const devices = netboxDevices(1_000, { mixed: true });
    const share = (test: (d: NetboxDevice) => boolean) => devices.filter(test).length / devices.length;
    expect(share((d) => d.platform === null)).toBeCloseTo(0.05, 2);
    expect(share((d) => d.primary_ip4 === null && d.primary_ip6 !== null)).toBeCloseTo(0.05, 2);
    expect(share((d) => d.primary_ip === null)).toBeCloseTo(0.03, 2);
    expect(share((d) => d.status.value === 'offline')).toBeCloseTo(0.1, 2);
    expect(new Set(devices.map((d) => d.platform?.slug))).toEqual(new Set(['eos', 'junos', 'iosxr', 'nxos', undefined]));
    expect(netboxDevices(3, { firstId: 10 }).map((d) => d.id)).toEqual([10, 11, 12]);
    expect(netboxDevices(10, { mixed: true })).toEqual(netboxDevices(10, { mixed: true }));
  });
});

describe('NetBox webhooks', () => {
  const SECRET = 'sëcret';

  it('write the body as NetBox does', () => {
    const device = netboxDevice(3, { tags: ['telemetry'] });
    const at = new Date(Date.UTC(2021, 2, 9, 17, 55, 33, 968));
    const body = netboxWebhookBody('updated', device, { timestamp: at, requestId: 'fdbca812-3142-4783-b364-2e2bd5c16c6a' });
    const text = body.toString('utf8');
    expect(text.startsWith('{"event": "updated", "timestamp": "2021-03-09 17:55:33.968000+00:00", "object_type": "dcim.device"')).toBe(
      true,
    );
    const parsed = JSON.parse(text);
    expect(parsed.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(parsed).toMatchObject({ username: 'admin', request_id: 'fdbca812-3142-4783-b364-2e2bd5c16c6a', data: device });
    expect(parsed.snapshots.postchange).toMatchObject({ name: 'sw-3', status: 'active', tags: ['telemetry'] });

    const fresh = JSON.parse(netboxWebhookBody('created', device).toString());
    expect(fresh.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(fresh.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.snapshots.prechange).toBeNull();

    const deleted = JSON.parse(netboxWebhookBody('deleted', device, { style: 'model' }).toString());
    expect(deleted.model).toBe('device');
    expect(deleted.object_type).toBeUndefined();
    expect(deleted.data).toEqual(device);
    expect(deleted.snapshots.postchange).toBeNull();
    expect(deleted.snapshots.prechange).not.toBeNull();
  });

  it('sign the exact bytes with HMAC-SHA512 and post them', async () => {
    const received: Array<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = netboxWebhookBody('created', netboxDevice(1, { name: 'sw-ü' }));
      const answer = await sendNetboxWebhook(`http://${HOST}:${port}/hooks/netbox`, SECRET, body);
      expect(answer.status).toBe(204);

      const [got] = received;
      expect(got?.body.equals(body)).toBe(true);
      expect(got?.headers['content-type']).toBe('application/json');
      const expected = createHmac('sha512', SECRET).update(got!.body).digest('hex');
      expect(got?.headers['x-hook-signature']).toBe(expected);
      expect(netboxSignature(SECRET, body)).toBe(expected);
      expect(expected).toMatch(/^[0-9a-f]{128}$/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
