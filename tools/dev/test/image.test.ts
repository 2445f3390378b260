import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { createTopology } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';

// The container image cannot be built here (no container engine), so its
// content is proven instead: /app is assembled by the script the Dockerfile
// runs, made read-only, and run as an unprivileged user (uid 65534) with
// nothing but environment variables, as Kubernetes runs the image: the
// migration twice, then each app until /readyz answers, then SIGTERM.

const ROOT = resolve(__dirname, '..', '..', '..');
const NOBODY = 65_534;
const HOST = '127.61.0.1';
const GRACE_MS = 5_000;
const APPS: Array<{ app: string; env: Record<string, string>; ops: number }> = [
  { app: 'ingress', env: { HTTP_PORT: '8080', OPS_PORT: '9100' }, ops: 9100 },
  { app: 'collector', env: { HTTP_PORT: '9101' }, ops: 9101 },
  { app: 'discovery', env: { HTTP_PORT: '9102' }, ops: 9102 },
  { app: 'notifier', env: { HTTP_PORT: '9103' }, ops: 9103 },
];

let dir: string;
let app: string;
let db: TestDatabase;
let databaseUrl: string;
const namespace = uniqueNamespace('image');

/** Every file 0444 and every folder 0555: nobody, root's files' owner included, writes there without changing modes. */
function makeReadOnly(path: string): void {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) makeReadOnly(full);
    else chmodSync(full, 0o444);
  }
  chmodSync(path, 0o555);
}

function files(path: string): string[] {
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(path, e.name)) : [join(path, e.name)]));
}

/** Runs node in /app as uid 65534 with only `env` (no PATH, no HOME). */
function run(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, { cwd: app, uid: NOBODY, gid: NOBODY, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
  });
}

function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return () => text.slice(-2_000);
}

beforeAll(async () => {
  if (process.getuid?.() !== 0)
    throw new Error('the image-content test runs the apps as uid 65534, which takes root (npm test runs as root in CI)');
  dir = mkdtempSync(join(tmpdir(), 'image-'));
  chmodSync(dir, 0o755);
  app = join(dir, 'app');
  const built = spawnSync(process.execPath, ['tools/scripts/image.mjs', app], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`assembling the image failed: ${built.stderr}`);
  makeReadOnly(app);
  // An empty database: the image's migration creates the tables.
  db = await createTestDatabase({ migrated: false });
  const url = new URL(db.url);
  if (!url.username) url.username = process.env.PGUSER ?? userInfo().username;
  databaseUrl = url.toString();
}, 120_000);

afterAll(async () => {
  await db?.drop();
  const bus = await withTestBus('image-test');
  await deleteNamespace(bus, createTopology({ namespace })).catch(() => undefined);
  await bus.close();
  if (dir) {
    chmodSync(dir, 0o755);
    spawnSync('chmod', ['-R', 'u+w', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the image content (what docker/Dockerfile puts in /app)', () => {
  it('holds the four bundles, the migration and only the packages the bundles leave outside; no TypeScript, nothing to install', () => {
    expect(readdirSync(app).sort()).toEqual(['apps', 'node_modules', 'package.json', 'tools']);
    expect(readdirSync(join(app, 'apps')).sort()).toEqual(['collector', 'discovery', 'ingress', 'notifier']);
    for (const a of APPS) {
      expect(readdirSync(join(app, 'apps', a.app)).sort()).toEqual(['main.js', 'main.js.map', 'migrations', 'proto']);
      expect(readdirSync(join(app, 'apps', a.app, 'migrations')).length).toBeGreaterThanOrEqual(9);
    }
    expect(existsSync(join(app, 'tools', 'migrate.js'))).toBe(true);
    // ssh2 and what it loads at run time; cpu-features (optional) and its build helpers come with it.
    expect(readdirSync(join(app, 'node_modules'))).toEqual(expect.arrayContaining(['ssh2', 'asn1', 'bcrypt-pbkdf']));
    expect(readdirSync(join(app, 'node_modules')).length).toBeLessThanOrEqual(10);
    expect(files(app).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toEqual({ name: 'switch-telemetry', version: expect.any(String), private: true });
    expect(statSync(join(app, 'apps', 'ingress', 'main.js')).mode & 0o222).toBe(0);
  });

  it('cannot be written by the user it runs as', async () => {
    const child = run(['-e', "require('node:fs').writeFileSync('written-at-run-time', 'x')"], {});
    const text = output(child);
    expect(await exited(child, 10_000)).not.toBe(0);
    expect(text()).toContain('EACCES');
  });

  it('migrates an empty database as that user, twice (the second run changes nothing)', async () => {
    for (let i = 0; i < 2; i += 1) {
      const child = run(['tools/migrate.js'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
      const text = output(child);
      expect({ code: await exited(child, 30_000), output: text() }).toMatchObject({ code: 0 });
    }
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(9);
    expect((await db.pool.query("SELECT to_regclass('public.devices') AS t")).rows[0]).toEqual({ t: 'devices' });
  }, 70_000);

  it.each(APPS)(
    'runs $app from it with environment variables only: ready, then SIGTERM → exit 0 within the grace period',
    async ({ app: name, env, ops }) => {
      const child = run([`apps/${name}/main.js`], {
        NATS_URL: natsTestUrl(),
        NATS_NAMESPACE: namespace,
        DATABASE_URL: databaseUrl,
        HTTP_HOST: HOST,
        LOG_LEVEL: 'warn',
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        ...env,
      });
      const text = output(child);
      const exit = exited(child, 60_000);
      exit.catch(() => undefined);
      try {
        const deadline = Date.now() + 40_000;
        let ready = false;
        while (!ready && Date.now() < deadline && child.exitCode === null) {
          ready = await fetch(`http://${HOST}:${ops}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
            (r) => r.status === 200,
            () => false,
          );
          if (!ready) await new Promise((r) => setTimeout(r, 200));
        }
        expect({ ready, output: text() }).toMatchObject({ ready: true });
        const stopping = Date.now();
        child.kill('SIGTERM');
        expect({ code: await exit, output: text() }).toMatchObject({ code: 0 });
        expect(Date.now() - stopping).toBeLessThan(GRACE_MS + 2_000);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    70_000,
  );
});

describe('docker/Dockerfile', () => {
  const dockerfile = readFileSync(resolve(ROOT, 'docker', 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const finalStage = instructions.slice(instructions.map((l) => l.startsWith('FROM ')).lastIndexOf(true));

  it('builds on a Node LTS base pinned to the patch release, in two stages', () => {
    const base = instructions.find((l) => l.startsWith('ARG NODE_IMAGE='))!;
    expect(base).toMatch(/^ARG NODE_IMAGE=node:(20|22|24|26)\.\d+\.\d+-bookworm-slim$/);
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE}']);
    expect(dockerfile).not.toMatch(/:latest\b/);
    // The build stage runs the same assembly the test above checks.
    expect(instructions).toContain('RUN node tools/scripts/image.mjs /out');
    expect(finalStage).toContain('COPY --from=build /out/ /app/');
  });

  it('runs as a numeric non-root user behind tini, its default command one of the apps', () => {
    const user = finalStage.find((l) => l.startsWith('USER '))!;
    expect(user).toBe('USER 10001:10001');
    expect(finalStage).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps"]');
    const cmd = JSON.parse(finalStage.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
    expect(existsSync(join(app, cmd[0]!))).toBe(true);
    expect(finalStage.join('\n')).toMatch(/apt-get install -y --no-install-recommends tini/);
    // No package manager at run time.
    expect(finalStage.join('\n')).toMatch(/rm -rf \/usr\/local\/lib\/node_modules\/npm \/usr\/local\/lib\/node_modules\/corepack/);
  });

  it('carries the OCI labels, and a .dockerignore keeps installs, builds and git out of the context', () => {
    for (const label of ['source', 'version', 'revision', 'title', 'licenses'])
      expect(dockerfile).toContain(`org.opencontainers.image.${label}=`);
    const ignored = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.git', '.data', '**/.env*', '**/*.pem', '**/*.key']));
    // Every path the build stage copies exists.
    for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from'))) {
      for (const path of line.split(/\s+/).slice(1, -1)) expect(existsSync(resolve(ROOT, path))).toBe(true);
    }
  });
});
