// What the suites that run the collector share: a namespace on the real NATS,
// a fresh database, the simulated fleet in a process of its own, and the
// collector's production bundle; all torn down at the end, crash or not.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { connectBus, createTopology, provisionTopology, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, freePort } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { createLogger } from '@switch-telemetry/logging';
import { exited } from './process';

const log = createLogger({ app: 'bench', level: 'warn' });

export interface BenchStack {
  root: string;
  topology: Topology;
  bus: Bus;
  db: TestDatabase;
  /** `npm run sim` with these arguments; every stdout line goes to `onLine` as parsed JSON. */
  sim(args: string[], onLine: (item: Record<string, unknown>) => void): ChildProcess;
  /** The collector bundle on a free port, with the stack's NATS, namespace and database. */
  collector(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; died: Promise<never> }>;
  /** Another app's bundle the same way; `ready()` resolves once its /readyz answers 200 (30 s at most). */
  app(name: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string; ready(): Promise<void> }>;
}

export async function withStack<T>(name: string, run: (stack: BenchStack) => Promise<T>): Promise<T> {
  const root = process.cwd(); // npm run bench runs from the repository root
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const topology = createTopology({ namespace: `bench_${Date.now().toString(36)}` });
  const bus = await connectBus({ servers: natsUrl, name: `bench-${name}`, log });
  await provisionTopology(bus.jsm, topology, log);
  const db = await createTestDatabase();
  const children: ChildProcess[] = [];
  const stack: BenchStack = {
    root,
    topology,
    bus,
    db,
    sim(args, onLine) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', resolve(root, 'tools', 'sim', 'src', 'main.ts'), '--username', 'bench', '--password', 'bench-pw', ...args],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      createInterface({ input: child.stdout! }).on('line', (line) => onLine(JSON.parse(line) as Record<string, unknown>));
      return child;
    },
    async collector(env) {
      const app = await spawnApp({
        app: 'collector',
        natsUrl,
        namespace: topology.namespace,
        databaseUrl: db.url,
        env: { DEVICE_CREDENTIALS_BENCH_CREDENTIALS: 'bench:bench-pw', ...env },
      });
      children.push(app.child);
      return { ...app, died: exited(app.child, 'the collector') };
    },
    async app(name, env) {
      const app = await spawnApp({ app: name, natsUrl, namespace: topology.namespace, databaseUrl: db.url, env });
      children.push(app.child);
      return { ...app, ready: () => untilReady(app.url, app.child, `the ${name}`, 30_000) };
    },
  };
  try {
    return await run(stack);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await deleteNamespace(bus, topology);
    await bus.close();
    await db.drop();
  }
}

/**
 * One app's production bundle (`npm run bench` builds it), or its source
 * through tsx, with the given NATS, namespace and database. It listens on
 * `host` (127.0.0.1 unless given), on the `HTTP_PORT` of `env` or else a free
 * port; its output goes to the bench's own unless `output` asks for pipes.
 * BENCH_PROFILE=<dir> writes a CPU profile there.
 */
export async function spawnApp(options: {
  app: string;
  natsUrl: string;
  namespace: string;
  databaseUrl: string;
  env?: Record<string, string>;
  host?: string;
  from?: 'bundle' | 'source';
  /** The repository (apps are found under it): the working directory unless given. */
  root?: string;
  output?: 'inherit' | 'pipe';
}): Promise<{ child: ChildProcess; url: string }> {
  const host = options.host ?? '127.0.0.1';
  const root = options.root ?? process.cwd();
  const port = options.env?.HTTP_PORT ?? String(await freePort(host));
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const entry =
    options.from === 'source'
      ? ['--import', 'tsx', resolve(root, 'apps', options.app, 'src', 'main.ts')]
      : [resolve(root, 'dist', 'apps', options.app, 'main.js')];
  const output = options.output ?? 'inherit';
  const child = spawn(process.execPath, [...profile, ...entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NATS_URL: options.natsUrl,
      NATS_NAMESPACE: options.namespace,
      DATABASE_URL: options.databaseUrl,
      HTTP_HOST: host,
      HTTP_PORT: port,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', output, output],
  });
  return { child, url: `http://${host}:${port}` };
}

/** Resolves once `<url>/readyz` answers 200; rejects when the child exits first, or after `timeoutMs`. */
export async function untilReady(url: string, child: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited ${child.exitCode ?? child.signalCode}`);
    const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs / 1_000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
