import { PrivateNatsServer, uniqueNamespace, withTestBus, deleteNamespace } from '@switch-telemetry/bus/testing';
import { createTopology } from '@switch-telemetry/bus';
import { port, z } from '@switch-telemetry/config';
import { defineJob, type JobRuntime } from '@switch-telemetry/jobs';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { EXIT_CONFIG, EXIT_OK, EXIT_UNAVAILABLE, runService } from '../src';

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const readyStatus = (port: number) =>
  fetch(`http://127.0.0.1:${port}/readyz`).then(
    (r) => r.status,
    () => 0,
  );

describe('runService', () => {
  let db: TestDatabase;
  let nats: PrivateNatsServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await PrivateNatsServer.start();
  });
  afterAll(async () => {
    await nats.dispose();
    await db.drop();
  });

  const baseEnv = () => ({
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    NATS_RECONNECT_WAIT_MS: '250',
    NATS_RECONNECT_JITTER_MS: '100',
    NATS_NAMESPACE: uniqueNamespace('svc'),
  });

  it('exits 78 naming every bad variable, before connecting to anything', async () => {
    const codes: number[] = [];
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const running = await runService(
        { app: 'demo', defaultHttpPort: 9100, configShape: {}, ownedPrefixes: ['DEMO_'] },
        { env: { NATS_URL: 'nope', HTTP_TIMEOUT_MS: '0', DEMO_TYPO: '1' }, exit: (c) => codes.push(c), handleSignals: false },
      );
      expect(running).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
    expect(codes).toEqual([EXIT_CONFIG]);
    expect(written).toHaveLength(1);
    const line = JSON.parse(written[0]!);
    expect(line.problems.map((p: { variable: string }) => p.variable)).toEqual(['DEMO_TYPO', 'HTTP_TIMEOUT_MS', 'NATS_URL']);
  });

  it('exits 69 when NATS does not answer at start-up', async () => {
    const codes: number[] = [];
    const running = await runService(
      { app: 'demo', defaultHttpPort: 9100, configShape: {}, ownedPrefixes: [] },
      {
        env: { ...baseEnv(), NATS_URL: 'nats://127.0.0.1:1', NATS_CONNECT_TIMEOUT_MS: '500' },
        exit: (c) => codes.push(c),
        handleSignals: false,
      },
    );
    expect(running).toBeUndefined();
    expect(codes).toEqual([EXIT_UNAVAILABLE]);
  });

  it('serves, provisions, follows a NATS outage on /readyz, and stops with 0', async () => {
    const codes: number[] = [];
    const env = baseEnv();
    let appStopped = false;
    const ping = defineJob({ name: 'ping', queue: 'maintenance', args: z.object({ n: z.number() }) });
    const pinged: number[] = [];
    let runningJobs: JobRuntime | undefined;
    const running = await runService(
      {
        app: 'demo',
        defaultHttpPort: 9100,
        configShape: { DEMO_WIDGETS: port(3) },
        ownedPrefixes: ['DEMO_'],
        start: async (ctx) => {
          expect(ctx.config.DEMO_WIDGETS).toBe(3);
          runningJobs = ctx.jobs;
          ctx.jobs.work(ping, async ({ n }) => void pinged.push(n));
          return { stop: async () => void (appStopped = true) };
        },
      },
      { env, exit: (c) => codes.push(c), handleSignals: false },
    );
    expect(running).toBeDefined();
    const portNo = running!.port;
    expect((await fetch(`http://127.0.0.1:${portNo}/healthz`)).status).toBe(200);
    expect(await readyStatus(portNo)).toBe(200);

    // The job runtime is wired: a job enqueued through it runs on the app's worker.
    await runningJobs!.enqueue(ping, { n: 7 });
    await eventually(async () => pinged.includes(7), 5_000);

    await nats.stop();
    expect(await eventually(async () => (await readyStatus(portNo)) === 503, 5_000)).toBeLessThan(5_000);
    expect((await fetch(`http://127.0.0.1:${portNo}/healthz`)).status).toBe(200);
    await nats.resume();
    expect(await eventually(async () => (await readyStatus(portNo)) === 200, 5_000)).toBeLessThan(5_000);

    expect(await running!.stop()).toBe(EXIT_OK);
    expect(codes).toEqual([EXIT_OK]);
    expect(appStopped).toBe(true);
    expect(await readyStatus(portNo)).toBe(0);

    // The streams it provisioned are there, under its namespace.
    const bus = await withTestBus('svc-check', nats.url);
    const topology = createTopology({ namespace: env.NATS_NAMESPACE });
    expect((await bus.jsm.streams.info(topology.streams.jobs.name)).config.name).toBe(topology.streams.jobs.name);
    await deleteNamespace(bus, topology);
    await bus.close();
  });
});
