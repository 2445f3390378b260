import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { createTopology } from '@switch-telemetry/bus';
import { PrivateNatsServer, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { PostgresOutage, createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { spawnApp, type SpawnedApp } from '@switch-telemetry/service/testing';

// The ingress as operators run it (its own process), with PostgreSQL and NATS
// each failing under it: what it answers, whether Kubernetes should route to
// it (/readyz), and that it recovers by itself.

const SECRET = 'degraded-webhook-secret-0123456789';
const TOKEN = 'degraded-admin-token-0123456789abcdef';
const MAIN = resolve(__dirname, '..', 'src', 'main.ts');

/** The port an app logged on a line with this message. */

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let db: TestDatabase;
let nats: PrivateNatsServer;
let pg: PostgresOutage;
let ingress: SpawnedApp;
let api: string;
let ops: string;
const namespace = uniqueNamespace('degr');

beforeAll(async () => {
  db = await createTestDatabase();
  nats = await PrivateNatsServer.start();
  pg = await PostgresOutage.forDatabase(db.url);
  // PostgreSQL is down before the ingress starts: it must start and serve webhooks anyway.
  pg.down();
  ingress = spawnApp(MAIN, {
    NATS_URL: nats.url,
    NATS_NAMESPACE: namespace,
    DATABASE_URL: pg.url,
    DB_CONNECT_TIMEOUT_MS: '1000',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    OPS_PORT: '0',
    LOG_LEVEL: 'info',
    INGRESS_RETRY_AFTER_S: '7',
    INGRESS_PUBLISH_TIMEOUT_MS: '1000',
    INGRESS_API_TOKENS: JSON.stringify([{ name: 'ops', token: TOKEN, scope: 'admin' }]),
    INGRESS_WEBHOOK_SOURCES: JSON.stringify([{ name: 'nms', scheme: 'hex', secrets: [SECRET] }]),
  });
  ops = `http://127.0.0.1:${await ingress.loggedPort('ops server listening')}`;
  api = `http://127.0.0.1:${await ingress.loggedPort('ready to serve')}`;
}, 40_000);

afterAll(async () => {
  ingress?.child.kill('SIGKILL');
  await pg?.close();
  await nats?.dispose();
  await db?.drop();
});

const readyz = async () => {
  const res = await fetch(`${ops}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
};
const rest = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
};
const webhook = (id: string) => {
  const body = JSON.stringify({ event: 'device.created', device: { id, name: id, protocol: 'gnmi', address: '127.10.9.9', port: 57400 } });
  return fetch(`${api}/v1/webhooks/nms`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-webhook-signature': createHmac('sha256', SECRET).update(body).digest('hex') },
  });
};

describe('the ingress when PostgreSQL is down', () => {
  it('starts, stays ready (degraded), takes webhooks into JetStream, and answers 503 + Retry-After on the routes that need the database', async () => {
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.nats).toBe('ok');
    expect(ready.body.checks.postgres).toMatch(/^DB_UNAVAILABLE/);
    expect(await (await fetch(`${ops}/metrics`)).text()).toContain('dependency_up{dependency="postgres",app="ingress"} 0');

    expect((await webhook('deg-1')).status).toBe(202);
    const bus = await withTestBus('degraded-count', nats.url);
    try {
      const topology = createTopology({ namespace });
      const info = await bus.jsm.streams.info(topology.streams.jobs.name);
      expect(info.state.messages).toBeGreaterThanOrEqual(1);
    } finally {
      await bus.close();
    }

    for (const [method, path, body] of [
      ['GET', '/v1/devices'],
      ['GET', '/v1/devices/deg-1'],
      ['POST', '/v1/devices', { id: 'deg-2', name: 'x', protocol: 'gnmi', address: '127.10.9.8', port: 57400 }],
      ['GET', '/v1/dead-jobs'],
      ['GET', '/v1/webhook-endpoints'],
    ] as const) {
      const res = await rest(method, path, body);
      expect({ route: `${method} ${path}`, status: res.status, retryAfter: res.retryAfter }).toEqual({
        route: `${method} ${path}`,
        status: 503,
        retryAfter: '7',
      });
      expect(res.body).toMatchObject({ type: '/problems/dependency-unavailable', title: 'PostgreSQL is unavailable' });
    }
  });

  it('serves the database routes again once PostgreSQL is back, with no restart', async () => {
    pg.up();
    const list = await until(
      'GET /v1/devices',
      () => rest('GET', '/v1/devices'),
      (r) => r.status === 200,
    );
    expect(list.body).toMatchObject({ devices: [] });
    expect((await readyz()).body.status).toBe('ready');
    expect(
      (await rest('POST', '/v1/devices', { id: 'deg-3', name: 'x', protocol: 'gnmi', address: '127.10.9.7', port: 57400 })).status,
    ).toBe(201);
  });

  it('answers 503 + Retry-After on a database outage in the middle of a run', async () => {
    pg.down();
    const res = await until(
      '503 while cut',
      () => rest('GET', '/v1/devices/deg-3'),
      (r) => r.status !== 200,
    );
    expect(res).toMatchObject({ status: 503, retryAfter: '7', body: { title: 'PostgreSQL is unavailable' } });
    pg.up();
    await until(
      'back',
      () => rest('GET', '/v1/devices/deg-3'),
      (r) => r.status === 200,
    );
  });
});

describe('the ingress when NATS is down', () => {
  it('is not ready, answers 503 + Retry-After to webhooks and NATS-backed routes, keeps serving the database ones, and recovers', async () => {
    await nats.stop();
    const down = await until('not ready', readyz, (r) => r.status === 503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.postgres).toBe('ok');
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);

    const refused = await webhook('deg-4');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    for (const [method, path] of [
      ['GET', '/v1/sessions'],
      ['POST', '/v1/sessions/deg-3/restart'],
    ] as const) {
      const res = await rest(method, path);
      expect({ route: `${method} ${path}`, status: res.status, retryAfter: res.retryAfter }).toEqual({
        route: `${method} ${path}`,
        status: 503,
        retryAfter: '7',
      });
    }
    expect((await rest('GET', '/v1/devices')).status).toBe(200);

    await nats.resume();
    await until('ready again', readyz, (r) => r.status === 200, 20_000);
    await until(
      'webhooks again',
      async () => (await webhook('deg-4')).status,
      (s) => s === 202,
      20_000,
    );
  });
});
