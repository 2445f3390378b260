import { createLogger } from '@switch-telemetry/logging';
import { createMetricsRegistry, startOpsServer, type OpsServer } from '../src';

const log = createLogger({ app: 'test', level: 'silent' });

describe('ops server', () => {
  let server: OpsServer;
  let natsUp = true;
  const base = () => `http://127.0.0.1:${server.port}`;

  beforeAll(async () => {
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetricsRegistry('ops-test'),
      log,
      readinessTimeoutMs: 200,
      checks: {
        nats: async () => {
          if (!natsUp) throw Object.assign(new Error('NATS connection is down'), { code: 'BUS_UNAVAILABLE' });
        },
        db: async () => undefined,
      },
    });
  });
  afterAll(() => server.close());

  it('answers /healthz with 200', async () => {
    const res = await fetch(`${base()}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 when every check passes and 503 naming the failing one', async () => {
    let res = await fetch(`${base()}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { nats: 'ok', db: 'ok' }, required: ['nats', 'db'] });
    natsUp = false;
    res = await fetch(`${base()}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'unavailable',
      checks: { nats: 'BUS_UNAVAILABLE: NATS connection is down', db: 'ok' },
      required: ['nats', 'db'],
    });
    natsUp = true;
  });

  it('exposes Prometheus metrics with process metrics, the app label and dependency state', async () => {
    await fetch(`${base()}/readyz`);
    const res = await fetch(`${base()}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('process_cpu_user_seconds_total{app="ops-test"}');
    expect(text).toContain('dependency_up{dependency="nats",app="ops-test"} 1');
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    expect((await fetch(`${base()}/nope`)).status).toBe(404);
    expect((await fetch(`${base()}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('answers /readyz 503 "stopping" once stopping, while /healthz stays 200', async () => {
    server.markStopping();
    const res = await fetch(`${base()}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'stopping' });
    expect((await fetch(`${base()}/healthz`)).status).toBe(200);
  });
});

describe('ops server readiness timeout', () => {
  it('answers 503 when a check hangs', async () => {
    const server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetricsRegistry('hang-test'),
      log,
      readinessTimeoutMs: 100,
      checks: { db: () => new Promise(() => undefined) },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'unavailable',
        checks: { db: 'ST_TIMEOUT: db readiness check timed out after 100 ms' },
        required: ['db'],
      });
    } finally {
      await server.close();
    }
  });
});

describe('readiness that gates only on what the service needs to serve', () => {
  it('stays 200 "degraded" while a dependency it can serve without is down, and reports it', async () => {
    const registry = createMetricsRegistry('degraded-test');
    let dbUp = false;
    let natsUp = true;
    const server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      log,
      required: ['nats'],
      checks: {
        nats: async () => {
          if (!natsUp) throw new Error('down');
        },
        postgres: async () => {
          if (!dbUp) throw Object.assign(new Error('PostgreSQL does not answer'), { code: 'DB_UNAVAILABLE' });
        },
      },
    });
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      return { status: res.status, body: (await res.json()) as { status: string } };
    };
    try {
      expect(await readyz()).toEqual({
        status: 200,
        body: { status: 'degraded', checks: { nats: 'ok', postgres: 'DB_UNAVAILABLE: PostgreSQL does not answer' }, required: ['nats'] },
      });
      expect(await registry.metrics()).toContain('dependency_up{dependency="postgres",app="degraded-test"} 0');
      dbUp = true;
      expect((await readyz()).body.status).toBe('ready');
      natsUp = false;
      expect(await readyz()).toMatchObject({ status: 503, body: { status: 'unavailable' } });
    } finally {
      await server.close();
    }
  });
});
