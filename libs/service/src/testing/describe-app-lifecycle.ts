import { createTopology } from '@switch-telemetry/bus';
import { deleteNamespace, freePort, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { EXIT_CONFIG, EXIT_OK } from '../exit-codes';
import { spawnApp, type SpawnedApp } from './spawn-app';

const START_TIMEOUT_MS = 20_000;

export interface AppLifecycleOptions {
  /**
   * The variable that moves the ops endpoints off HTTP_PORT (the ingress's
   * OPS_PORT). The suite sets it to 0, reads the bound port from the
   * "ops server listening" log line, and expects HTTP_PORT to answer 404
   * for /metrics.
   */
  opsPortVariable?: string;
}

/** The port of the "ops server listening" line the app logged, once it has. */
async function loggedOpsPort(proc: SpawnedApp, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of proc.output().split('\n')) {
      if (!line.includes('"ops server listening"')) continue;
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === 'number') return port;
    }
    if (proc.child.exitCode !== null)
      throw new Error(`app exited (${proc.child.exitCode}) before its ops server listened:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`no "ops server listening" line within ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The behaviour every app owes its operators, as one shared suite: it starts
 * against the real NATS and PostgreSQL, answers /healthz and /readyz, stops
 * with 0 on SIGTERM, and refuses a bad environment with 78 naming each variable.
 */
export function describeAppLifecycle(app: string, mainTs: string, options: AppLifecycleOptions = {}): void {
  describe(`${app} process`, () => {
    let db: TestDatabase;
    const namespace = uniqueNamespace(app.slice(0, 8));

    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db.drop();
      const bus = await withTestBus(`${app}-cleanup`);
      await deleteNamespace(bus, createTopology({ namespace }));
      await bus.close();
    });

    it('serves /healthz and /readyz, then stops with 0 on SIGTERM', async () => {
      const port = await freePort();
      const proc = spawnApp(mainTs, {
        NATS_URL: natsTestUrl(),
        NATS_NAMESPACE: namespace,
        DATABASE_URL: db.url,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        LOG_LEVEL: 'info',
        ...(options.opsPortVariable ? { [options.opsPortVariable]: '0' } : {}),
      });
      try {
        const opsPort = options.opsPortVariable ? await loggedOpsPort(proc, START_TIMEOUT_MS) : port;
        await proc.waitFor(`http://127.0.0.1:${opsPort}/healthz`, 200, START_TIMEOUT_MS);
        await proc.waitFor(`http://127.0.0.1:${opsPort}/readyz`, 200, 5_000);
        const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
        expect(metrics).toContain(`nodejs_heap_size_used_bytes{app="${app}"}`);
        if (opsPort !== port) expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
        proc.child.kill('SIGTERM');
        expect(await proc.exited).toBe(EXIT_OK);
        const lines = proc
          .output()
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { app: string; msg: string });
        expect(lines.every((l) => l.app === app)).toBe(true);
        expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['ready to serve', 'stopping', 'stopped']));
      } finally {
        proc.child.kill('SIGKILL');
      }
    });

    it('refuses a bad environment with exit 78, naming every bad variable', async () => {
      const proc = spawnApp(mainTs, { NATS_URL: 'nope', HTTP_TIMEOUT_MS: '0', DATABASE_URL: db.url });
      expect(await proc.exited).toBe(EXIT_CONFIG);
      const line = JSON.parse(proc.output().trim()) as { msg: string };
      expect(line.msg).toContain('HTTP_TIMEOUT_MS: must be a whole number of milliseconds');
      expect(line.msg).toContain('NATS_URL: must be one or more comma-separated URLs');
    });
  });
}
