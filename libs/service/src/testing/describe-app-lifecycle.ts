import { createTopology } from '@switch-telemetry/bus';
import { deleteNamespace, freePort, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { EXIT_CONFIG, EXIT_OK } from '../exit-codes';
import { spawnApp } from './spawn-app';

const START_TIMEOUT_MS = 20_000;

/**
 * The behaviour every app owes its operators, as one shared suite: it starts
 * against the real NATS and PostgreSQL, answers /healthz and /readyz, stops
 * with 0 on SIGTERM, and refuses a bad environment with 78 naming each variable.
 */
export function describeAppLifecycle(app: string, mainTs: string): void {
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
      });
      try {
        await proc.waitFor(`http://127.0.0.1:${port}/healthz`, 200, START_TIMEOUT_MS);
        await proc.waitFor(`http://127.0.0.1:${port}/readyz`, 200, 5_000);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).toContain(`nodejs_heap_size_used_bytes{app="${app}"}`);
        proc.child.kill('SIGTERM');
        expect(await proc.exited).toBe(EXIT_OK);
        const lines = proc.output().trim().split('\n').map((l) => JSON.parse(l) as { app: string; msg: string });
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
