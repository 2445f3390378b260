import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { busConfigShape } from '@switch-telemetry/bus';
import { natsTestUrl, withTestBus } from '@switch-telemetry/bus/testing';
import { dbConfigShape } from '@switch-telemetry/db';
import { postgresTestUrl } from '@switch-telemetry/db/testing';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_NATS_URL,
  DEFAULT_TEST_DATABASE_URL,
  ServicesError,
  formatStatus,
  loopbackHost,
  natsTarget,
  postgresTarget,
  probeNats,
  servicesConfig,
  servicesStatus,
  servicesStop,
  servicesUp,
  type ServicesConfig,
} from '../src/services';
import { probePostgres } from '../src/services-postgres';
import { withLock } from '../src/services-process';

const ROOT = resolve(__dirname, '..', '..', '..');
// Below the ephemeral range, used by nothing else here.
const NATS_PORT = 14333;
const PG_PORT = 15433;
const FAKE_NATS_PORT = 14334;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runServices(args: string[], env: Record<string, string>): Promise<Run> {
  const began = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/dev/src/services-main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((res) => child.once('close', (code) => res({ code, stdout, stderr, ms: Date.now() - began })));
}

function hostPort(url: string, defaultPort: number): [string, number] {
  const u = new URL(url);
  return [u.hostname, u.port === '' ? defaultPort : Number(u.port)];
}

describe('services step: configuration', () => {
  it('uses the same defaults as libs/bus, libs/db and the db test helper', () => {
    expect(busConfigShape.NATS_URL.parse(undefined)).toBe(DEFAULT_NATS_URL);
    expect(dbConfigShape.DATABASE_URL.parse(undefined)).toBe(DEFAULT_DATABASE_URL);
    const saved = process.env.TEST_DATABASE_URL;
    delete process.env.TEST_DATABASE_URL;
    try {
      expect(postgresTestUrl()).toBe(DEFAULT_TEST_DATABASE_URL);
    } finally {
      if (saved !== undefined) process.env.TEST_DATABASE_URL = saved;
    }
  });

  it('acts only for loopback hosts', () => {
    expect(loopbackHost('127.0.0.1')).toBe('127.0.0.1');
    expect(loopbackHost('127.10.0.3')).toBe('127.10.0.3');
    expect(loopbackHost('localhost')).toBe('127.0.0.1');
    expect(loopbackHost('[::1]')).toBe('::1');
    expect(loopbackHost('10.0.0.5')).toBeUndefined();
    expect(loopbackHost('nats.example.com')).toBeUndefined();
    expect(loopbackHost('127.0.0.1.example.com')).toBeUndefined();
    expect(natsTarget('nats://localhost')).toEqual({ kind: 'local', host: '127.0.0.1', port: 4222, address: '127.0.0.1:4222' });
    expect(natsTarget('nats://nats.example.com:4222').kind).toBe('external');
    expect(natsTarget('nats://127.0.0.1:4222,nats://127.0.0.1:4223').kind).toBe('external');
    expect(natsTarget('tls://127.0.0.1:4222').kind).toBe('external');
    expect(postgresTarget('postgres://app@127.0.0.1:6543/db', 'root')).toEqual({
      kind: 'local',
      host: '127.0.0.1',
      port: 6543,
      address: '127.0.0.1:6543',
      role: 'app',
    });
    expect(postgresTarget('postgres://[::1]/db', 'root')).toMatchObject({ host: '::1', port: 5432, address: '[::1]:5432', role: 'root' });
  });

  it('reads DATABASE_URL for start, TEST_DATABASE_URL for test (the server the tests use), and SERVICES_DATA_DIR', () => {
    const env = {
      DATABASE_URL: 'postgres://127.0.0.1:1111/a',
      TEST_DATABASE_URL: 'postgres://127.0.0.1:2222/b',
      SERVICES_DATA_DIR: '/tmp/x',
      USER: 'u',
    };
    expect(servicesConfig('start', env)).toEqual({
      dataDir: '/tmp/x',
      natsUrl: DEFAULT_NATS_URL,
      databaseUrl: env.DATABASE_URL,
      defaultRole: 'u',
    });
    expect(servicesConfig('test', env)).toMatchObject({
      databaseUrl: env.TEST_DATABASE_URL,
      netconf: { port: 8830, dir: '/tmp/st-netconfd' },
    });
    expect(() => servicesConfig('start', { DATABASE_URL: 'mysql://x/y' })).toThrow(
      'DATABASE_URL: must be a URL with scheme postgres, postgresql',
    );
  });
});

describe('services step: what is not ours', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'st-services-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves servers on other hosts alone: no check, no start, no data dir', async () => {
    const dataDir = join(dir, 'data');
    const lines: string[] = [];
    const report = await servicesUp(
      {
        dataDir,
        natsUrl: 'nats://nats.example.com:4222',
        databaseUrl: 'postgres://db.example.com:5432/switch_telemetry',
        defaultRole: 'root',
      },
      (l) => lines.push(l),
    );
    expect(report).toEqual({ started: [], running: [], external: ['nats', 'postgres'] });
    expect(lines).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('fails with one line, touching nothing, when a NATS without JetStream holds the port', async () => {
    const fake: Server = createServer((socket) => socket.end('INFO {"server_id":"fake","version":"2.9.10","max_payload":1048576}\r\n'));
    await new Promise<void>((res) => fake.listen(FAKE_NATS_PORT, '127.0.0.1', res));
    try {
      const config: ServicesConfig = {
        dataDir: join(dir, 'data'),
        natsUrl: `nats://127.0.0.1:${FAKE_NATS_PORT}`,
        databaseUrl: 'postgres://db.example.com/x',
        defaultRole: 'root',
      };
      const failure = await servicesUp(config, () => undefined).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ServicesError);
      expect((failure as ServicesError).exitCode).toBe(69);
      expect((failure as Error).message).toMatch(
        new RegExp(`^a NATS server without JetStream answers at 127\\.0\\.0\\.1:${FAKE_NATS_PORT}; it is not ours`),
      );
      expect((failure as Error).message).not.toContain('\n');
      expect(fake.listening).toBe(true);
      expect(existsSync(join(dir, 'data', 'run', 'nats.json'))).toBe(false);
    } finally {
      await new Promise((res) => fake.close(res));
    }
  });

  it('takes over a lock whose holder is gone, and waits (with a timeout) for a live one', async () => {
    mkdirSync(join(dir, 'run'));
    const gone = spawnSync('true').pid;
    writeFileSync(join(dir, 'run', 'lock'), `${gone}\n`);
    await expect(withLock(dir, async () => readFileSync(join(dir, 'run', 'lock'), 'utf8'), { timeoutMs: 1_000 })).resolves.toBe(
      `${process.pid}\n`,
    );
    expect(existsSync(join(dir, 'run', 'lock'))).toBe(false);

    writeFileSync(join(dir, 'run', 'lock'), '1\n'); // pid 1 is always alive
    const waited: number[] = [];
    await expect(withLock(dir, async () => 'ran', { timeoutMs: 500, onWait: (pid) => waited.push(pid) })).rejects.toThrow(
      'another services step (pid 1)',
    );
    expect(waited).toEqual([1]);
  });
});

describe('services step: NATS and PostgreSQL in an empty data dir', () => {
  let dataDir: string;
  let env: Record<string, string>;
  const natsUrl = `nats://127.0.0.1:${NATS_PORT}`;
  const databaseUrl = `postgres://127.0.0.1:${PG_PORT}/switch_telemetry`;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'st-services-data-'));
    env = { SERVICES_DATA_DIR: dataDir, NATS_URL: natsUrl, DATABASE_URL: databaseUrl };
    expect((await probeNats('127.0.0.1', NATS_PORT)).state).toBe('down');
    expect((await probePostgres('127.0.0.1', PG_PORT, 'root')).state).toBe('down');
  });

  afterAll(async () => {
    await servicesStop(dataDir, () => undefined); // after a failure halfway
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts both on the first run: JetStream answers, and so does a select 1', async () => {
    const run = await runServices(['up', 'start'], env);
    expect(run.stderr).toContain(`services: started NATS with JetStream on 127.0.0.1:${NATS_PORT}`);
    expect(run.stderr).toMatch(/services: created a PostgreSQL 15\.\d+\.\d+ cluster in /);
    expect(run.stderr).toContain(`services: started PostgreSQL 15.`);
    expect(run.stderr).toContain(
      `services: left running after this command: NATS, PostgreSQL; stop them with: SERVICES_DATA_DIR=${dataDir} npm run services:stop`,
    );
    expect(run.code).toBe(0);
    console.log(`services step, cold (initdb + both starts): ${run.ms} ms`);

    const bus = await withTestBus('services-test', natsUrl);
    try {
      await expect(bus.jsm.getAccountInfo()).resolves.toBeDefined();
    } finally {
      await bus.close();
    }
    const client = new Client({ connectionString: `postgres://root@127.0.0.1:${PG_PORT}/postgres`, connectionTimeoutMillis: 3_000 });
    await client.connect();
    try {
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  }, 90_000);

  it('starts nothing and is fast on a second run', async () => {
    const run = await runServices(['up', 'start'], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    console.log(`services step, warm (a second npm start): ${run.ms} ms for the whole command`);
    expect(run.ms).toBeLessThan(5_000); // node + tsx start-up on a loaded machine; the checks alone are below

    const began = Date.now();
    const report = await servicesUp(servicesConfig('start', env), () => undefined);
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(report).toEqual({ started: [], running: ['nats', 'postgres'], external: [] });
  });

  it('reports what it started', () => {
    const lines = formatStatus(dataDir, servicesStatus(dataDir));
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^services: NATS: running, pid \\d+, 127\\.0\\.0\\.1:${NATS_PORT} \\(started by us`)),
      expect.stringMatching(new RegExp(`^services: PostgreSQL: running, pid \\d+, 127\\.0\\.0\\.1:${PG_PORT} \\(started by us`)),
    ]);
  });

  it('starts PostgreSQL again after it was killed with -9 (its stale postmaster.pid)', async () => {
    const { pid } = JSON.parse(readFileSync(join(dataDir, 'run', 'postgres.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    const lines: string[] = [];
    const report = await servicesUp(servicesConfig('start', env), (l) => lines.push(l));
    expect(report.started).toEqual(['postgres']);
    expect(lines[0]).toMatch(/^services: started PostgreSQL 15\./);
    expect((await probePostgres('127.0.0.1', PG_PORT, 'root')).state).toBe('up');
  }, 60_000);

  it('stops only what it started', async () => {
    const run = await runServices(['stop'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/services: stopped NATS \(pid \d+\)\nservices: stopped PostgreSQL \(pid \d+\)\n/);
    expect((await probeNats('127.0.0.1', NATS_PORT)).state).toBe('down');
    expect((await probePostgres('127.0.0.1', PG_PORT, 'root')).state).toBe('down');
    // The machine's own servers (or the ones npm test started) still answer.
    expect((await probeNats(...hostPort(natsTestUrl(), 4222))).state).toBe('jetstream');
    expect((await probePostgres(...hostPort(postgresTestUrl(), 5432), 'root')).state).toBe('up');

    expect(formatStatus(dataDir, servicesStatus(dataDir))).toEqual([`services: nothing started by us (data in ${dataDir})`]);
  }, 60_000);
});
