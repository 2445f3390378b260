import { randomBytes } from 'node:crypto';
import { Kvm } from '@nats-io/kv';
import { DeliveryLog, EndpointRepository, MAX_ENDPOINTS } from '@switch-telemetry/notifications';
import { ScanStore } from '@switch-telemetry/scanning';
import { MAX_JSON_DEPTH } from '../src/input';
import { TOKENS, startIngress, type Ingress } from './harness';

let ingress: Ingress;
beforeAll(async () => {
  ingress = await startIngress();
});
afterAll(() => ingress.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; rawBody?: string; scheme?: string } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const token = options.token === undefined ? TOKENS.write : options.token;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await fetch(`${ingress.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `${options.scheme ?? 'Bearer'} ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers };
}

const leaf = (n: number) => ({ id: `leaf-${n}`, name: `Leaf ${n}`, protocol: 'gnmi', address: `127.10.2.${n}`, port: 57400 });

describe('bearer tokens', () => {
  it('answers 401 without a token or with an unknown one, 403 to a read-only token on a write', async () => {
    expect((await call('GET', '/v1/devices', { token: null })).status).toBe(401);
    const unknown = await call('GET', '/v1/devices', { token: 'not-a-real-token-000000000000' });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('GET', '/v1/devices', { token: TOKENS.read })).status).toBe(200);
    expect((await call('POST', '/v1/devices', { token: TOKENS.read, body: leaf(1) })).status).toBe(403);
  });

  it('takes the scheme name in any case (RFC 9110 §11.1)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr'])
      expect((await call('GET', '/v1/devices', { token: TOKENS.read, scheme })).status).toBe(200);
    expect((await call('GET', '/v1/devices', { token: TOKENS.read, scheme: 'Basic' })).status).toBe(401);
  });

  it('lets an admin token do what a write token may, and says which scope a 403 lacks', async () => {
    expect((await call('GET', '/v1/devices', { token: TOKENS.admin })).status).toBe(200);
    expect((await call('POST', '/v1/devices', { token: TOKENS.admin, body: leaf(90) })).status).toBe(201);
    expect((await call('DELETE', '/v1/devices/leaf-90', { token: TOKENS.admin })).status).toBe(204);
    const refused = await call('DELETE', '/v1/devices/leaf-90', { token: TOKENS.read });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('write scope');
  });
});

describe('hostile input', () => {
  // Nested where the schema takes anything (subscription options): only the depth limit stands in the way.
  const nested = (levels: number) =>
    `{"id":"deep-1","name":"x","protocol":"gnmi","address":"127.10.2.1","port":1,` +
    `"subscriptions":[{"name":"s","paths":["/x"],"mode":"sample","options":{"o":${'['.repeat(levels)}${']'.repeat(levels)}}}]}`;

  it.each([10_000, 400_000])('answers 400 too-deep, naming the limit, to a body nested %i levels', async (levels) => {
    const res = await call('POST', '/v1/devices', { rawBody: nested(levels) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: '/problems/too-deep', status: 400 });
    expect(res.body.detail).toContain(String(MAX_JSON_DEPTH));
  });

  it('still parses a body nested to the limit, with brackets inside strings not counted', async () => {
    const deepButFine = `{"id":"deep-2","name":"${'['.repeat(200)}","protocol":"gnmi","address":"127.10.2.2","port":1,"extra":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
    const res = await call('POST', '/v1/devices', { rawBody: deepButFine });
    // Past the depth check: the schema refuses the unknown field.
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('/problems/validation');
  });

  it.each([
    ['NUL', '\u0000', 'U+0000'],
    ['a C0 control', '\u001b', 'U+001B'],
    ['DEL', '\u007f', 'U+007F'],
    ['a C1 control', '\u0085', 'U+0085'],
    ['a right-to-left override', '\u202e', 'U+202E'],
    ['an isolate', '\u2066', 'U+2066'],
    ['an unpaired surrogate', '\ud800', 'surrogate'],
  ])('answers 400 naming body.tags.site to %s in a string', async (_what, char, named) => {
    const res = await call('POST', '/v1/devices', { body: { ...leaf(91), tags: { site: `am${char}s` } } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'body.tags.site', problem: expect.stringContaining(named) }]);
    expect((await call('GET', '/v1/devices/leaf-91')).status).toBe(404);
  });

  it('answers 400 to a control character in an object key, a query string and a path parameter', async () => {
    const key = await call('POST', '/v1/devices', { body: { ...leaf(92), tags: { 'si\u0000te': 'ams' } } });
    expect(key.status).toBe(400);
    expect(key.body.errors[0]).toEqual({ field: 'body.tags', problem: expect.stringContaining('key') });
    const query = await call('GET', '/v1/devices?q=a%00b');
    expect(query.status).toBe(400);
    expect(query.body.errors[0].field).toBe('query.q');
    const param = await call('POST', '/v1/dead-jobs/dead%00job/retry');
    expect(param.status).toBe(400);
    expect(param.body.errors[0].field).toBe('params.id');
  });

  it('keeps tab, newline and carriage return, and non-Latin text', async () => {
    const res = await call('POST', '/v1/devices', { body: { ...leaf(93), name: 'Zürich\tβ\n東京\r😀' } });
    expect(res.status).toBe(201);
    expect((await call('DELETE', '/v1/devices/leaf-93')).status).toBe(204);
  });
});

describe('devices', () => {
  it('creates, reads, pages, updates, replaces and deletes, publishing each change', async () => {
    // Other tests of this file change devices too: count this test's events only.
    await ingress.outbox.drain(5_000);
    const upsertedBefore = await ingress.count('events', 'events.device.upserted');
    const deletedBefore = await ingress.count('events', 'events.device.deleted');
    const created = await call('POST', '/v1/devices', { body: leaf(1) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/devices/leaf-1');
    expect(created.body).toMatchObject({ id: 'leaf-1', enabled: true, tags: {}, subscriptions: [] });
    expect((await call('POST', '/v1/devices', { body: leaf(1) })).status).toBe(409);
    for (let n = 2; n <= 4; n += 1) expect((await call('POST', '/v1/devices', { body: leaf(n) })).status).toBe(201);

    const page = await call('GET', '/v1/devices?limit=2');
    expect(page.body.devices.map((d: Json) => d.id)).toEqual(['leaf-1', 'leaf-2']);
    expect(page.body.next).toBe('leaf-2');
    const rest = await call('GET', `/v1/devices?limit=2&after=${page.body.next}`);
    expect(rest.body.devices.map((d: Json) => d.id)).toEqual(['leaf-3', 'leaf-4']);

    const patched = await call('PATCH', '/v1/devices/leaf-2', { body: { tags: { site: 'ams1' } } });
    expect(patched.body).toMatchObject({ id: 'leaf-2', tags: { site: 'ams1' } });
    expect((await call('GET', '/v1/devices?tag=site=ams1')).body.devices.map((d: Json) => d.id)).toEqual(['leaf-2']);

    const { id: _id, ...withoutId } = leaf(5);
    expect((await call('PUT', '/v1/devices/leaf-5', { body: withoutId })).status).toBe(201);
    expect((await call('PUT', '/v1/devices/leaf-5', { body: { ...withoutId, name: 'Five' } })).status).toBe(200);

    expect((await call('DELETE', '/v1/devices/leaf-5')).status).toBe(204);
    expect((await call('DELETE', '/v1/devices/leaf-5')).status).toBe(404);
    expect((await call('GET', '/v1/devices/leaf-5')).status).toBe(404);

    // Stored once each in EVENTS (the outbox relay may publish again after a lost ack; the msg-id makes that a duplicate).
    expect(await ingress.outbox.drain(5_000)).toBe(true);
    expect((await ingress.count('events', 'events.device.upserted')) - upsertedBefore).toBe(7);
    expect((await ingress.count('events', 'events.device.deleted')) - deletedBefore).toBe(1);
  });

  it('answers 400 naming every invalid field', async () => {
    const res = await call('POST', '/v1/devices', {
      body: { id: 'Bad.Id', name: '', protocol: 'snmp', address: 'x y', port: 70_000, extra: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const fields = res.body.errors.map((e: Json) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['id', 'name', 'protocol', 'address', 'port']));
    expect((await call('GET', '/v1/devices?limit=0')).body.errors[0].field).toBe('query.limit');
    expect((await call('GET', '/v1/devices/UPPER')).status).toBe(400);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const res = await fetch(`${ingress.url}/v1/devices`, {
      method: 'POST',
      body: '{"id":',
      headers: { authorization: `Bearer ${TOKENS.write}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
  });
});

describe('discovery, sessions, dead jobs', () => {
  it('returns the same discovery job for the same subnet within the window', async () => {
    const first = await call('POST', '/v1/discovery', { body: { subnet: '10.9.0.7/24' } });
    const again = await call('POST', '/v1/discovery', { body: { subnet: '10.9.0.0/24' } });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ subnet: '10.9.0.0/24', duplicate: false });
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    expect((await call('POST', '/v1/discovery', { body: { subnet: '10.0.0.0/8' } })).status).toBe(400);
  });

  it('reads sessions from the sessions KV and passes restart requests on', async () => {
    const kv = await new Kvm(ingress.bus.js).open(ingress.topology.buckets.sessions.name);
    const status = {
      device: 'leaf-1',
      state: 'up',
      since: '2026-11-27T00:00:00Z',
      last_update: null,
      restarts: 0,
      last_error: null,
      owner: 'collector-0',
    };
    await kv.put('leaf-1', JSON.stringify(status));
    // An entry that is not a session status (another writer's mistake) is left out, never served as is.
    await kv.put('leaf-2', JSON.stringify({ state: 'up', secret: 'not a status' }));
    expect((await call('GET', '/v1/sessions', { token: TOKENS.read })).body.sessions).toEqual([{ device: 'leaf-1', status }]);
    expect((await call('GET', '/v1/sessions/leaf-2', { token: TOKENS.read })).status).toBe(404);
    expect((await call('GET', '/v1/sessions/leaf-1', { token: TOKENS.read })).body.status.state).toBe('up');
    expect((await call('GET', '/v1/sessions/leaf-9', { token: TOKENS.read })).status).toBe(404);
    const restart = await call('POST', '/v1/sessions/leaf-1/restart');
    expect(restart.status).toBe(202);
    expect(await ingress.count('events', 'events.session.restart_requested')).toBe(1);
  });

  it('lists, retries and deletes dead jobs', async () => {
    await ingress.jobs.deadLetters.insert({
      id: 'dead-1',
      queue: 'maintenance',
      worker: 'api-test-job',
      args: { n: 1 },
      attempts: 1,
      outcome: 'exhausted',
      reason: 'boom',
      errors: [],
    });
    await ingress.jobs.deadLetters.insert({
      id: 'dead-2',
      queue: 'maintenance',
      worker: 'api-test-job',
      args: { n: 2 },
      attempts: 1,
      outcome: 'discarded',
      reason: 'nope',
      errors: [],
    });
    const list = await call('GET', '/v1/dead-jobs?queue=maintenance', { token: TOKENS.read });
    expect(list.body.jobs.map((j: Json) => j.id).sort()).toEqual(['dead-1', 'dead-2']);
    const retried = await call('POST', '/v1/dead-jobs/dead-1/retry');
    expect(retried.status).toBe(202);
    expect(await ingress.count('jobs', 'jobs.maintenance.api-test-job')).toBe(1);
    expect((await call('POST', '/v1/dead-jobs/dead-1/retry')).status).toBe(404);
    expect((await call('DELETE', '/v1/dead-jobs/dead-2')).status).toBe(204);
    expect((await call('DELETE', '/v1/dead-jobs/dead-2')).status).toBe(404);
  });
});

describe('discovery scans', () => {
  it('refuses a subnet the policy does not allow, naming why', async () => {
    const loopback = await call('POST', '/v1/discovery', { body: { subnet: '127.0.0.0/24' } });
    expect(loopback.status).toBe(400);
    expect(loopback.body.errors[0]).toEqual({ field: 'subnet', problem: expect.stringMatching(/loopback/) });
    expect((await call('POST', '/v1/discovery', { body: { subnet: 'lab' } })).body.errors[0].field).toBe('subnet');
  });

  it('lists scans, shows one with its results, and cancels only a running one', async () => {
    const store = new ScanStore(ingress.db.pool);
    await store.begin('scan-api-1', '10.77.0.0/24', 254);
    await store.addResult('scan-api-1', {
      address: '10.77.0.5',
      port: 57400,
      protocol: null,
      profile: null,
      reason: 'auth_refused',
      message: 'the target refused the credentials of profile lab',
      details: {},
      device_id: null,
    });
    const list = await call('GET', '/v1/discovery', { token: TOKENS.read });
    expect(list.body.scans.map((s: Json) => s.id)).toContain('scan-api-1');
    const one = await call('GET', '/v1/discovery/scan-api-1', { token: TOKENS.read });
    expect(one.body).toMatchObject({
      subnet: '10.77.0.0/24',
      state: 'running',
      results: [{ address: '10.77.0.5', reason: 'auth_refused' }],
    });
    expect((await call('DELETE', '/v1/discovery/scan-api-1')).status).toBe(202);
    expect((await call('GET', '/v1/discovery/scan-api-1', { token: TOKENS.read })).body.cancel_requested).toBe(true);
    await store.finish('scan-api-1', 'cancelled');
    expect((await call('DELETE', '/v1/discovery/scan-api-1')).status).toBe(409);
    expect((await call('GET', '/v1/discovery/nope', { token: TOKENS.read })).status).toBe(404);
  });

  it('approves a discovered host key with an admin token only', async () => {
    await call('POST', '/v1/devices', {
      token: TOKENS.admin,
      body: { id: 'nc-found', name: 'found', protocol: 'netconf', address: '10.77.0.9', port: 830, enabled: false },
    });
    const fingerprint = `SHA256:${'A'.repeat(43)}`;
    await ingress.db.pool.query(`INSERT INTO device_discovery (device_id, protocol, host_key_seen) VALUES ('nc-found', 'netconf', $1)`, [
      fingerprint,
    ]);
    expect((await call('POST', '/v1/devices/nc-found/approve-host-key')).status).toBe(403);
    const approved = await call('POST', '/v1/devices/nc-found/approve-host-key', { token: TOKENS.admin });
    expect(approved.body).toEqual({ device: 'nc-found', fingerprint });
    const device = await call('GET', '/v1/devices/nc-found', { token: TOKENS.read });
    expect(device.body).toMatchObject({ enabled: true, host_key: { fingerprints: [fingerprint] } });
    expect((await call('POST', '/v1/devices/leaf-none/approve-host-key', { token: TOKENS.admin })).status).toBe(404);
  });
});

describe('webhook endpoints', () => {
  const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;

  it('stores the secret but never returns it', async () => {
    const secret = whsec();
    const created = await call('POST', '/v1/webhook-endpoints', {
      body: { name: 'pager', url: 'https://alerts.example.test/hook', secret },
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(secret.slice(6));
    expect(created.body).toMatchObject({ name: 'pager', scheme: 'standard', secret_set: true, events: ['*'] });
    const id = created.body.id;
    const next = whsec();
    const patched = await call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: false, secret: next } });
    expect(patched.body.enabled).toBe(false);
    const all = await call('GET', '/v1/webhook-endpoints', { token: TOKENS.read });
    expect(JSON.stringify(all.body)).not.toContain(secret.slice(6));
    expect(JSON.stringify(all.body)).not.toContain(next.slice(6));
    const stored = await ingress.db.pool.query('SELECT secret FROM webhook_endpoints WHERE id = $1', [id]);
    expect(stored.rows[0].secret).toBe(next);
    expect((await call('POST', '/v1/webhook-endpoints', { body: { name: 'x', url: 'ftp://nope', secret: whsec() } })).status).toBe(400);
    expect((await call('DELETE', `/v1/webhook-endpoints/${id}`)).status).toBe(204);
    expect((await call('GET', `/v1/webhook-endpoints/${id}`, { token: TOKENS.read })).status).toBe(404);
  });

  it.each([
    ['no whsec_ prefix', 'super-secret-value-123'],
    ['whsec_ and something that is not base64', 'whsec_not-base64-at-all!!-0123456789'],
    ['whsec_ and too few bytes', `whsec_${randomBytes(16).toString('base64')}`],
  ])('answers 400 naming secret to a standard endpoint with %s, without echoing it', async (_what, secret) => {
    const res = await call('POST', '/v1/webhook-endpoints', {
      body: { name: 'bad', url: 'https://alerts.example.test/hook', scheme: 'standard', secret },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'secret', problem: expect.stringContaining('whsec_') }]);
    expect(JSON.stringify(res.body)).not.toContain(secret.slice(6));
  });

  it('keeps the 16-character rule for hex and github, and checks scheme and secret together on PATCH', async () => {
    const hex = await call('POST', '/v1/webhook-endpoints', {
      body: { name: 'hexy', url: 'https://alerts.example.test/h', scheme: 'hex', secret: 'plain-secret-0123456789' },
    });
    expect(hex.status).toBe(201);
    expect(
      (
        await call('POST', '/v1/webhook-endpoints', {
          body: { name: 'short', url: 'https://alerts.example.test/s', scheme: 'github', secret: 'too-short' },
        })
      ).status,
    ).toBe(400);
    // To standard without a new secret: the stored one is no whsec_ secret.
    const toStandard = await call('PATCH', `/v1/webhook-endpoints/${hex.body.id}`, { body: { scheme: 'standard' } });
    expect(toStandard.status).toBe(400);
    expect(toStandard.body.errors[0].field).toBe('secret');
    expect((await call('PATCH', `/v1/webhook-endpoints/${hex.body.id}`, { body: { scheme: 'standard', secret: whsec() } })).status).toBe(
      200,
    );
    expect((await call('PATCH', `/v1/webhook-endpoints/${hex.body.id}`, { body: { secret: 'plain-secret-0123456789' } })).status).toBe(400);
    expect((await call('PATCH', '/v1/webhook-endpoints/00000000-0000-4000-8000-000000000000', { body: { secret: whsec() } })).status).toBe(
      404,
    );
  });

  it('leaves every field a PATCH does not send as it was', async () => {
    const secret = 'hex-secret-kept-0123456789';
    const created = await call('POST', '/v1/webhook-endpoints', {
      body: {
        name: 'before',
        url: 'https://alerts.example.test/keep',
        scheme: 'hex',
        secret,
        events: ['bgp.*', 'device.down'],
        enabled: false,
      },
    });
    expect(created.status).toBe(201);
    const { id, name: _name, updated_at: _updated, ...untouched } = created.body;
    const patched = await call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { name: 'after' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ...untouched, id, name: 'after' });
    expect((await call('GET', `/v1/webhook-endpoints/${id}`, { token: TOKENS.read })).body).toMatchObject({ ...untouched, name: 'after' });
    const stored = await ingress.db.pool.query('SELECT secret FROM webhook_endpoints WHERE id = $1', [id]);
    expect(stored.rows[0].secret).toBe(secret);
    // And the other way round: one other field changed, the name kept.
    const enabled = await call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: true } });
    expect(enabled.body).toMatchObject({
      name: 'after',
      scheme: 'hex',
      events: ['bgp.*', 'device.down'],
      enabled: true,
      // A write token sees the URL's origin only (its path may hold the receiver's secret).
      url: 'https://alerts.example.test/…',
    });
    const asAdmin = await call('GET', `/v1/webhook-endpoints/${id}`, { token: TOKENS.admin });
    expect(asAdmin.body.url).toBe('https://alerts.example.test/keep');
  });
});

describe('webhook endpoints: the address guard, filters, rotation, deliveries', () => {
  const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
  const create = (body: Json) => call('POST', '/v1/webhook-endpoints', { body: { name: 'e', secret: whsec(), ...body } });

  it.each([
    ['credentials in the URL', 'https://user:pass@alerts.example.test/hook', /credentials|user/i],
    ['a hex IPv4 address', 'http://0x7f000001/hook', /usual form/],
    ['a decimal IPv4 address', 'http://2130706433/hook', /usual form/],
    ['a private address', 'http://10.0.0.5/hook', /private/],
    ['loopback through an IPv4-mapped IPv6 address', 'http://[::ffff:127.0.0.1]/hook', /loopback|usual form/],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data', /metadata/],
  ])('answers 400 naming url to %s, without echoing a path or query', async (_what, url, reason) => {
    const res = await create({ url: `${url}?token=keep-me-secret` });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'url', problem: expect.stringMatching(reason) }]);
    expect(JSON.stringify(res.body)).not.toContain('keep-me-secret');
  });

  it('stores the filters, rotates a secret with an overlap, and refuses an overlap without a new secret', async () => {
    const created = await create({
      url: 'https://alerts.example.test/filtered',
      events: ['session_down'],
      min_severity: 'critical',
      devices: ['leaf-1'],
      device_tags: { site: 'ams1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      min_severity: 'critical',
      devices: ['leaf-1'],
      device_tags: { site: 'ams1' },
      previous_secret_until: null,
      disabled_reason: null,
      failing_since: null,
    });
    const id = created.body.id;
    expect((await call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { keep_previous_secret_s: 60 } })).status).toBe(400);
    const rotated = await call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { secret: whsec(), keep_previous_secret_s: 3_600 } });
    expect(rotated.status).toBe(200);
    expect(Date.parse(rotated.body.previous_secret_until) - Date.now()).toBeGreaterThan(3_500_000);
    expect(JSON.stringify(rotated.body)).not.toMatch(/whsec_/);
    // A new secret without an overlap drops the old one at once.
    const replaced = await call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { secret: whsec() } });
    expect(replaced.body.previous_secret_until).toBeNull();
    // A new URL needs a new secret: the stored one must not sign for another receiver.
    const moved = await call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { url: 'https://elsewhere.example.test/hook' } });
    expect(moved.status).toBe(400);
    expect(moved.body.errors[0].field).toBe('url');
    expect(
      (await call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { url: 'https://elsewhere.example.test/hook', secret: whsec() } }))
        .status,
    ).toBe(200);
  });

  it("shows a URL whole, and a receiver's answers, only to admin", async () => {
    const { body } = await create({ url: 'https://hooks.example.test/services/T0/B0/s3cr3t-path?token=q' });
    expect(body.url).toBe('https://hooks.example.test/…');
    expect(JSON.stringify((await call('GET', '/v1/webhook-endpoints', { token: TOKENS.read })).body)).not.toContain('s3cr3t');
    expect((await call('GET', `/v1/webhook-endpoints/${body.id}`, { token: TOKENS.admin })).body.url).toContain('s3cr3t-path?token=q');
    const test = await call('POST', `/v1/webhook-endpoints/${body.id}/test`);
    await new DeliveryLog(ingress.db.pool).recordAttempt({
      deliveryId: test.body.delivery_id,
      outcome: 'failed',
      state: 'failed',
      statusCode: 403,
      responseExcerpt: 'internal service says no',
    });
    const path = `/v1/webhook-endpoints/${body.id}/deliveries`;
    expect((await call('GET', path, { token: TOKENS.write })).body.attempts[0]).toMatchObject({ status_code: 403, response_excerpt: null });
    expect((await call('GET', path, { token: TOKENS.admin })).body.attempts[0].response_excerpt).toBe('internal service says no');
  });

  it('clears why the notifier disabled an endpoint when a user enables it again', async () => {
    const { body } = await create({ url: 'https://alerts.example.test/gone' });
    await new EndpointRepository(ingress.db.pool).disable(body.id, 'the receiver answered 410 Gone', 'test.endpoint.disabled');
    const disabled = await call('GET', `/v1/webhook-endpoints/${body.id}`, { token: TOKENS.read });
    expect(disabled.body).toMatchObject({ enabled: false, disabled_reason: 'the receiver answered 410 Gone' });
    expect((await call('POST', `/v1/webhook-endpoints/${body.id}/test`)).status).toBe(409);
    const enabled = await call('PATCH', `/v1/webhook-endpoints/${body.id}`, { body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
  });

  it('queues a signed test delivery, lists attempts a page at a time, and redelivers with the same delivery id', async () => {
    const { body: endpoint } = await create({ url: 'https://alerts.example.test/log' });
    const test = await call('POST', `/v1/webhook-endpoints/${endpoint.id}/test`);
    expect(test.status).toBe(202);
    // One test waiting at a time: a caller cannot queue sends faster than they are made.
    expect((await call('POST', `/v1/webhook-endpoints/${endpoint.id}/test`)).body.type).toMatch(/test-pending$/);
    expect(test.body).toEqual({ delivery_id: expect.stringMatching(/^msg_[0-9a-f]{32}$/), job_id: expect.any(String) });
    const delivery = await call('GET', `/v1/deliveries/${test.body.delivery_id}`, { token: TOKENS.read });
    expect(delivery.body).toMatchObject({ endpoint_id: endpoint.id, type: 'endpoint.test', state: 'pending', attempts: 0 });

    // Three attempts as the notifier records them.
    const log = new DeliveryLog(ingress.db.pool);
    for (const [outcome, status] of [
      ['retrying', 503],
      ['retrying', 500],
      ['delivered', 200],
    ] as const) {
      await log.recordAttempt({
        deliveryId: test.body.delivery_id,
        outcome,
        state: outcome === 'delivered' ? 'delivered' : 'pending',
        statusCode: status,
        latencyMs: 12,
      });
    }
    const first = await call('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=2`, { token: TOKENS.read });
    expect(first.status).toBe(200);
    expect(first.body.attempts.map((a: Json) => [a.attempt, a.outcome, a.status_code])).toEqual([
      [3, 'delivered', 200],
      [2, 'retrying', 500],
    ]);
    const second = await call('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=2&before=${first.body.next}`, {
      token: TOKENS.read,
    });
    expect(second.body.attempts.map((a: Json) => a.attempt)).toEqual([1]);
    expect(second.body.next).toBeUndefined();

    const again = await call('POST', `/v1/deliveries/${test.body.delivery_id}/redeliver`);
    expect(again.status).toBe(202);
    // Pending again: a second redelivery waits for the first.
    const twice = await call('POST', `/v1/deliveries/${test.body.delivery_id}/redeliver`);
    expect(twice.status).toBe(409);
    expect(twice.body.type).toMatch(/delivery-pending$/);
    expect(again.body.delivery_id).toBe(test.body.delivery_id);
    expect((await call('GET', `/v1/deliveries/${test.body.delivery_id}`, { token: TOKENS.read })).body.state).toBe('pending');
    const queued = await ingress.bus.jsm.streams.info(ingress.topology.streams.jobs.name, {
      subjects_filter: ingress.topology.subjects.job('notifications', 'webhook-deliver'),
    });
    expect(Object.values(queued.state.subjects ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);

    expect((await call('POST', '/v1/deliveries/msg_0000/redeliver')).status).toBe(404);
    expect((await call('POST', '/v1/deliveries/not-a-delivery/redeliver')).status).toBe(400);
    expect((await call('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, { token: null })).status).toBe(401);
  });
});

describe('webhook endpoints: the cap', () => {
  it('refuses an endpoint beyond MAX_ENDPOINTS with 409 (every alert is matched against them all)', async () => {
    const { rows } = await ingress.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM webhook_endpoints');
    const filler = MAX_ENDPOINTS - Number(rows[0]!.n);
    await ingress.db.pool.query(
      `INSERT INTO webhook_endpoints (id, name, url, secret) SELECT gen_random_uuid(), 'filler', 'https://filler.example.test/', 'filler-secret-0123456789'
       FROM generate_series(1, $1)`,
      [filler],
    );
    try {
      const res = await call('POST', '/v1/webhook-endpoints', {
        body: { name: 'one too many', url: 'https://x.example.test/', secret: `whsec_${randomBytes(32).toString('base64')}` },
      });
      expect(res.status).toBe(409);
      expect(res.body.detail).toContain(String(MAX_ENDPOINTS));
    } finally {
      await ingress.db.pool.query(`DELETE FROM webhook_endpoints WHERE name = 'filler'`);
    }
  });
});

describe('documents and metrics', () => {
  it('serves an OpenAPI 3.1 document built from the validating schemas, without a token', async () => {
    const doc = await call('GET', '/v1/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/devices',
        '/v1/devices/{id}',
        '/v1/discovery',
        '/v1/sessions/{device}/restart',
        '/v1/dead-jobs',
        '/v1/webhook-endpoints',
      ]),
    );
    const create = doc.body.paths['/v1/devices'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['id', 'name', 'protocol', 'address', 'port']),
    );
    expect(create.requestBody.content['application/json'].schema.properties.protocol.enum).toEqual(['gnmi', 'netconf']);
    const patch = doc.body.paths['/v1/webhook-endpoints/{id}'].patch.requestBody.content['application/json'].schema;
    for (const field of ['scheme', 'events', 'enabled']) expect(patch.properties[field]).not.toHaveProperty('default');
  });

  it('serves metrics and health on the ops port only; the public port answers 404 for them', async () => {
    expect((await fetch(`${ingress.opsUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${ingress.opsUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${ingress.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/v1\/devices",method="POST",status="201"\} \d+/);
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const res = await fetch(`${ingress.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('http_requests_total');
    }
    expect((await fetch(`${ingress.url}/nowhere`)).status).toBe(404);
  });
});
