// The services step of `npm test` and `npm start`: brings up on this machine
// what they need and nothing answers for yet: NATS with JetStream and
// PostgreSQL (both), and netconfd for the NETCONF integration tests (test).
//
// - Acts only for loopback URLs; any other host is used as given.
// - A server that already answers is left alone, ours or not: the check is
//   one TCP connection each (NATS's INFO line, a PostgreSQL session).
// - What it starts is detached and left running (like `compose up -d`);
//   <data>/run/<name>.json remembers each pid and its command line, and
//   `npm run services:stop` signals only a pid whose /proc cmdline still
//   matches what we launched.
// - <data> is .data/ at the repository root, or $SERVICES_DATA_DIR.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { connect, isIP } from 'node:net';
import { userInfo } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import { loadConfig, port, url, z, type Env } from '@switch-telemetry/config';
import {
  clearStalePostmasterPid,
  ensureClusterOwner,
  initCluster,
  postgresArgv,
  postgresBinaries,
  postgresRunner,
  probePostgres,
  waitPostgres,
} from './services-postgres';
import {
  ServicesError,
  fileSize,
  isOurs,
  lastLogLine,
  liveLaunched,
  netNamespace,
  parentPid,
  pidsByComm,
  procArgv,
  processState,
  readPidFile,
  removePidFile,
  rotateLog,
  sleep,
  spawnDetached,
  stopLaunched,
  withLock,
  writePidFile,
} from './services-process';

export { EXIT_UNAVAILABLE } from '@switch-telemetry/config';
export { ServicesError } from './services-process';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const DEFAULT_DATA_DIR = join(ROOT, '.data');

// The defaults of libs/bus (NATS_URL), libs/db (DATABASE_URL) and its test
// helper (TEST_DATABASE_URL); services.test.ts holds them equal. Not imported:
// loading those libs would double the time of a step that usually only
// checks two ports.
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_DATABASE_URL = 'postgres://127.0.0.1:5432/switch_telemetry';
export const DEFAULT_TEST_DATABASE_URL = 'postgres://127.0.0.1:5432/postgres';

const NATS_START_TIMEOUT_MS = 15_000;
const POSTGRES_START_TIMEOUT_MS = 30_000;
const INSTALL_TIMEOUT_MS = 600_000;
const LOCK_TIMEOUT_MS = 900_000;
const STOP_GRACE_MS = 20_000;

/** `test`: what `npm test` needs (NATS, PostgreSQL, netconfd); `start`: what `npm start` needs (NATS, PostgreSQL). */
export type Purpose = 'test' | 'start';

const servicesSchema = z.object({
  NATS_URL: z.string().min(1).default(DEFAULT_NATS_URL),
  DATABASE_URL: url(DEFAULT_DATABASE_URL, ['postgres', 'postgresql']),
  TEST_DATABASE_URL: url(DEFAULT_TEST_DATABASE_URL, ['postgres', 'postgresql']),
  SERVICES_DATA_DIR: z.string().min(1).optional(),
  NETCONFD_PORT: port(8830),
  NETCONFD_DIR: z.string().min(1).default('/tmp/st-netconfd'),
  PGUSER: z.string().min(1).optional(),
  USER: z.string().optional(),
});

export interface ServicesConfig {
  dataDir: string;
  natsUrl: string;
  /** npm start: DATABASE_URL; npm test: TEST_DATABASE_URL, the server the integration tests use. */
  databaseUrl: string;
  /** The user name a URL without one connects as (PGUSER, USER, the OS user), as libs/db's withDefaultUser. */
  defaultRole: string;
  /** Set for `test`: where tools/netconfd/start.sh serves. */
  netconf?: { port: number; dir: string };
}

export function servicesDataDir(env: Env = process.env): string {
  return resolve(env.SERVICES_DATA_DIR || DEFAULT_DATA_DIR);
}

export function servicesConfig(purpose: Purpose, env: Env = process.env): ServicesConfig {
  const c = loadConfig(servicesSchema, { env });
  return {
    dataDir: servicesDataDir(env),
    natsUrl: c.NATS_URL,
    databaseUrl: purpose === 'test' ? c.TEST_DATABASE_URL : c.DATABASE_URL,
    defaultRole: c.PGUSER ?? (c.USER || userInfo().username),
    ...(purpose === 'test' ? { netconf: { port: c.NETCONFD_PORT, dir: c.NETCONFD_DIR } } : {}),
  };
}

/** A server we may start: a loopback host and a port. */
export interface LocalTarget {
  kind: 'local';
  host: string;
  port: number;
  address: string;
}
/** A server we leave to whoever runs it. */
export interface ExternalTarget {
  kind: 'external';
  why: string;
}

/** The loopback address a URL's host names (localhost is 127.0.0.1), or undefined for any other host. */
export function loopbackHost(hostname: string): string | undefined {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return '127.0.0.1';
  if (isIP(host) === 4 && host.startsWith('127.')) return host;
  if (isIP(host) === 6 && (host === '::1' || host === '0:0:0:0:0:0:0:1')) return '::1';
  return undefined;
}

function addressOf(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function localTarget(u: URL, defaultPort: number): LocalTarget | ExternalTarget {
  const host = loopbackHost(u.hostname);
  if (host === undefined) return { kind: 'external', why: `${u.hostname} is not this machine's loopback` };
  const p = u.port === '' ? defaultPort : Number(u.port);
  return { kind: 'local', host, port: p, address: addressOf(host, p) };
}

export function natsTarget(natsUrl: string): LocalTarget | ExternalTarget {
  const parts = natsUrl.split(',').map((p) => p.trim());
  if (parts.length > 1) return { kind: 'external', why: 'NATS_URL lists several servers (a cluster is not ours to start)' };
  let u: URL;
  try {
    u = new URL(parts[0]!);
  } catch {
    throw new ServicesError('invalid configuration: NATS_URL: must be a nats:// URL', 78);
  }
  if (u.protocol !== 'nats:') return { kind: 'external', why: `NATS_URL is ${u.protocol}// (we start plain nats:// only)` };
  return localTarget(u, 4222);
}

export function postgresTarget(databaseUrl: string, defaultRole: string): (LocalTarget & { role: string }) | ExternalTarget {
  const u = new URL(databaseUrl);
  const target = localTarget(u, 5432);
  if (target.kind === 'external') return target;
  return { ...target, role: decodeURIComponent(u.username) || defaultRole };
}

// ---------------------------------------------------------------- NATS

export type NatsProbe = { state: 'down' } | { state: 'jetstream' } | { state: 'no-jetstream' } | { state: 'other'; detail: string };

/** Reads the INFO line a NATS server sends first; `jetstream: true` is the one we want. */
export function probeNats(host: string, port: number, timeoutMs = 1_000): Promise<NatsProbe> {
  return new Promise((resolveProbe) => {
    let settled = false;
    let buffer = '';
    const socket = connect({ host, port });
    const done = (probe: NatsProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolveProbe(probe);
    };
    const timer = setTimeout(() => done({ state: 'other', detail: `no NATS INFO line within ${timeoutMs} ms` }), timeoutMs);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      const end = buffer.indexOf('\r\n');
      if (end < 0) {
        if (buffer.length > 65_536) done({ state: 'other', detail: 'it does not speak NATS' });
        return;
      }
      const line = buffer.slice(0, end);
      if (!line.startsWith('INFO '))
        return done({ state: 'other', detail: `it does not speak NATS (it said ${JSON.stringify(line.slice(0, 40))})` });
      try {
        const info = JSON.parse(line.slice(5)) as { jetstream?: boolean };
        done(info.jetstream === true ? { state: 'jetstream' } : { state: 'no-jetstream' });
      } catch {
        done({ state: 'other', detail: 'its INFO line is not JSON' });
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' || err.code === 'EADDRNOTAVAIL' ? { state: 'down' } : { state: 'other', detail: err.message }),
    );
    socket.on('close', () => done({ state: 'other', detail: 'it closed the connection without a NATS INFO line' }));
  });
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** nats-server from PATH, else Debian's /usr/sbin/nats-server. */
export function findNatsServer(env: Env = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  return executable('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : undefined;
}

const INSTALL_NATS = 'install nats-server (Debian: apt-get install nats-server) or put a nats-server binary on PATH';

function aptGet(args: string[]): { ok: boolean; why: string } {
  const run = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const why = run.error ? run.error.message : (`${run.stderr ?? ''}`.trim().split('\n').at(-1) ?? `exit ${run.status}`);
  return { ok: run.status === 0, why };
}

/** As root with apt-get: installs Debian's nats-server. Otherwise fails saying what to install. */
function installNatsServer(log: (line: string) => void): string {
  if (process.getuid?.() !== 0 || !executable('/usr/bin/apt-get')) throw new ServicesError(`nats-server is not installed: ${INSTALL_NATS}`);
  log('services: installing nats-server with apt-get');
  let run = aptGet(['install', '-y', '-qq', 'nats-server']);
  if (!run.ok) {
    aptGet(['update', '-qq']); // a fresh machine's package lists may be empty or stale
    run = aptGet(['install', '-y', '-qq', 'nats-server']);
  }
  const bin = findNatsServer();
  if (!run.ok || bin === undefined) throw new ServicesError(`apt-get install nats-server failed (${run.why}): ${INSTALL_NATS}`);
  return bin;
}

function natsProblem(probe: NatsProbe, target: LocalTarget): ServicesError | undefined {
  if (probe.state === 'no-jetstream') {
    return new ServicesError(
      `a NATS server without JetStream answers at ${target.address}; it is not ours, so we leave it alone: enable JetStream in it, stop it (Debian's service: systemctl disable --now nats-server) or set NATS_URL to another address`,
    );
  }
  if (probe.state === 'other') {
    return new ServicesError(
      `something that is not NATS answers at ${target.address} (${probe.detail}); it is not ours, so we leave it alone: stop it or set NATS_URL to another address`,
    );
  }
  return undefined;
}

async function waitNats(pid: number, target: LocalTarget, logFile: string, logFrom: number): Promise<void> {
  const deadline = Date.now() + NATS_START_TIMEOUT_MS;
  for (;;) {
    const probe = await probeNats(target.host, target.port);
    if (probe.state === 'jetstream') return;
    if (processState(pid) !== 'alive')
      throw new ServicesError(`nats-server exited while starting (${lastLogLine(logFile, logFrom)}); its log: ${logFile}`);
    if (Date.now() > deadline)
      throw new ServicesError(
        `nats-server (pid ${pid}) did not answer with JetStream on ${target.address} within ${NATS_START_TIMEOUT_MS / 1000} s; its log: ${logFile}`,
      );
    await sleep(100);
  }
}

type Outcome = 'started' | 'ours' | 'theirs';

async function upNats(dataDir: string, target: LocalTarget, log: (line: string) => void): Promise<Outcome> {
  let probe = await probeNats(target.host, target.port);
  const ours = liveLaunched(dataDir, 'nats');
  if (probe.state === 'jetstream') return ours ? 'ours' : 'theirs';
  const problem = natsProblem(probe, target);
  if (problem) throw problem;
  const logFile = join(dataDir, 'log', 'nats.log');
  if (ours) {
    if (ours.address !== target.address) throw movedError('NATS', ours.pid, ours.address, target.address);
    await waitNats(ours.pid, target, logFile, 0); // it was still starting
    return 'ours';
  }
  removePidFile(dataDir, 'nats');
  let bin = findNatsServer();
  if (bin === undefined) {
    bin = installNatsServer(log);
    // Debian's package starts a server of its own (without JetStream) on systemd hosts.
    probe = await probeNats(target.host, target.port);
    if (probe.state === 'jetstream') return 'theirs';
    const afterInstall = natsProblem(probe, target);
    if (afterInstall) throw afterInstall;
  }
  const store = join(dataDir, 'nats');
  mkdirSync(store, { recursive: true });
  const argv = [bin, '-a', target.host, '-p', String(target.port), '-js', '-sd', store];
  const began = Date.now();
  rotateLog(logFile);
  const logFrom = fileSize(logFile);
  const pid = await spawnDetached([], argv, logFile);
  writePidFile(dataDir, 'nats', { pid, match: argv, address: target.address });
  await waitNats(pid, target, logFile, logFrom);
  log(`services: started NATS with JetStream on ${target.address} (pid ${pid}) in ${seconds(began)}`);
  return 'started';
}

// ---------------------------------------------------------------- PostgreSQL

async function upPostgres(dataDir: string, target: LocalTarget & { role: string }, log: (line: string) => void): Promise<Outcome> {
  const probe = await probePostgres(target.host, target.port, target.role);
  const ours = liveLaunched(dataDir, 'postgres');
  if (probe.state === 'up') return ours ? 'ours' : 'theirs';
  if (probe.state === 'other') {
    throw new ServicesError(
      `something that is not PostgreSQL answers at ${target.address} (${probe.detail}); it is not ours, so we leave it alone: stop it or set DATABASE_URL to another address`,
    );
  }
  const logFile = join(dataDir, 'log', 'postgres.log');
  if (ours) {
    if (ours.address !== target.address) throw movedError('PostgreSQL', ours.pid, ours.address, target.address);
    await waitPostgres(ours.pid, target, logFile, 0, POSTGRES_START_TIMEOUT_MS);
    return 'ours';
  }
  if (probe.state === 'starting') {
    // Someone else's server, still recovering: wait for it, touch nothing.
    const deadline = Date.now() + POSTGRES_START_TIMEOUT_MS;
    while ((await probePostgres(target.host, target.port, target.role)).state === 'starting') {
      if (Date.now() > deadline)
        throw new ServicesError(
          `the PostgreSQL at ${target.address} (not ours) is still starting up after ${POSTGRES_START_TIMEOUT_MS / 1000} s`,
        );
      await sleep(200);
    }
    return 'theirs';
  }
  removePidFile(dataDir, 'postgres');
  const { bin, version } = postgresBinaries();
  const pgdata = join(dataDir, 'postgres');
  const began = Date.now();
  if (initCluster(bin, pgdata, target.role, join(dataDir, 'log', 'initdb.log'))) {
    log(
      `services: created a PostgreSQL ${version} cluster in ${shown(pgdata)} (superuser ${target.role}, trust auth, ${postgresRunner().describe}) in ${seconds(began)}`,
    );
  }
  ensureClusterOwner(pgdata);
  const running = await clearStalePostmasterPid(bin, pgdata);
  if (running !== undefined) {
    throw new ServicesError(
      `a PostgreSQL on ${shown(pgdata)} (pid ${running}) runs but does not answer at ${target.address}; stop it (kill ${running}) and try again`,
    );
  }
  const argv = postgresArgv(bin, pgdata, target.host, target.port);
  const runner = postgresRunner();
  const startedAt = Date.now();
  rotateLog(logFile);
  const logFrom = fileSize(logFile);
  const pid = await spawnDetached(runner.prefix, argv, logFile, runner.uid === undefined ? {} : { uid: runner.uid, gid: runner.gid! });
  writePidFile(dataDir, 'postgres', { pid, match: argv, address: target.address });
  await waitPostgres(pid, target, logFile, logFrom, POSTGRES_START_TIMEOUT_MS);
  log(`services: started PostgreSQL ${version} on ${target.address} (pid ${pid}) in ${seconds(startedAt)}`);
  return 'started';
}

// ---------------------------------------------------------------- netconfd

/** True when host:port sends an SSH banner. */
function sshAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    let settled = false;
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolveAnswer(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('SSH-')));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

async function netconfdAnswers(port: number): Promise<boolean> {
  return pidsByComm('netconfd').length > 0 && existsSync('/tmp/ncxserver.sock') && (await sshAnswers('127.0.0.1', port));
}

/** The listening sshd of tools/netconfd/start.sh in this network namespace (not one of its per-connection children). */
function netconfSshd(dir: string): number | undefined {
  const ns = netNamespace('self');
  const config = `${dir}/sshd_config`;
  const ours = pidsByComm('sshd').filter((pid) => netNamespace(pid) === ns && (procArgv(pid) ?? []).join(' ').includes(config));
  return ours.find((pid) => !ours.includes(parentPid(pid) ?? -1));
}

/** Runs tools/netconfd/start.sh when netconfd does not answer; remembers what it started. */
async function upNetconfd(
  dataDir: string,
  netconf: { port: number; dir: string },
  log: (line: string) => void,
): Promise<Outcome | 'failed'> {
  const sshBefore = await sshAnswers('127.0.0.1', netconf.port);
  const netconfdBefore = pidsByComm('netconfd');
  if (sshBefore && netconfdBefore.length > 0 && existsSync('/tmp/ncxserver.sock')) {
    return liveLaunched(dataDir, 'sshd') || liveLaunched(dataDir, 'netconfd') ? 'ours' : 'theirs';
  }
  if (process.getuid?.() !== 0) {
    log(
      `services: netconfd does not answer on 127.0.0.1:${netconf.port} and tools/netconfd/start.sh needs root (to install netconfd and sshd and add a test user), so the NETCONF integration tests (libs/netconf) will fail`,
    );
    return 'failed';
  }
  const began = Date.now();
  const run = spawnSync('bash', [join(ROOT, 'tools', 'netconfd', 'start.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: INSTALL_TIMEOUT_MS,
    env: { ...process.env, NETCONFD_PORT: String(netconf.port), NETCONFD_DIR: netconf.dir },
  });
  if (run.status !== 0) {
    log(
      `services: tools/netconfd/start.sh failed (${run.error ? run.error.message : `exit ${run.status}`}), so the NETCONF integration tests (libs/netconf) will fail`,
    );
    return 'failed';
  }
  const started: string[] = [];
  const newNetconfd = pidsByComm('netconfd').find((pid) => !netconfdBefore.includes(pid));
  if (newNetconfd !== undefined) {
    writePidFile(dataDir, 'netconfd', { pid: newNetconfd, match: ['netconfd', `--port=${netconf.port}`] });
    started.push(`netconfd (pid ${newNetconfd})`);
  }
  const sshd = sshBefore ? undefined : netconfSshd(netconf.dir);
  if (sshd !== undefined) {
    writePidFile(dataDir, 'sshd', {
      pid: sshd,
      match: ['sshd', `${netconf.dir}/sshd_config`],
      address: addressOf('127.0.0.1', netconf.port),
    });
    started.push(`its sshd on 127.0.0.1:${netconf.port} (pid ${sshd})`);
  }
  if (started.length === 0) return 'theirs';
  log(`services: started ${started.join(' and ')} in ${seconds(began)}`);
  return 'started';
}

// ---------------------------------------------------------------- the step

export interface UpReport {
  started: string[];
  running: string[];
  external: string[];
}

const LABELS: Record<string, string> = { nats: 'NATS', postgres: 'PostgreSQL', netconfd: 'netconfd', sshd: "netconfd's sshd" };

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

function movedError(what: string, pid: number, was: string | undefined, now: string): ServicesError {
  return new ServicesError(
    `our ${what} (pid ${pid}) serves ${was ?? 'another address'}, but the URL names ${now}: run npm run services:stop first`,
    78,
  );
}

export function stopCommand(dataDir: string): string {
  return dataDir === DEFAULT_DATA_DIR ? 'npm run services:stop' : `SERVICES_DATA_DIR=${dataDir} npm run services:stop`;
}

/**
 * Brings up what `config` names on this machine and does not answer yet.
 * Fast when all answer: one check each, no lock, nothing written.
 */
export async function servicesUp(config: ServicesConfig, log: (line: string) => void = (line) => console.error(line)): Promise<UpReport> {
  const nats = natsTarget(config.natsUrl);
  const pg = postgresTarget(config.databaseUrl, config.defaultRole);
  const report: UpReport = { started: [], running: [], external: [] };
  if (nats.kind === 'external') report.external.push('nats');
  if (pg.kind === 'external') report.external.push('postgres');

  // The usual case: everything answers. Check without the lock.
  const natsOk = nats.kind === 'external' || (await probeNats(nats.host, nats.port)).state === 'jetstream';
  const pgOk = pg.kind === 'external' || (await probePostgres(pg.host, pg.port, pg.role)).state === 'up';
  const netconfOk = config.netconf === undefined || (await netconfdAnswers(config.netconf.port));
  if (natsOk && pgOk && netconfOk) {
    if (nats.kind === 'local') report.running.push('nats');
    if (pg.kind === 'local') report.running.push('postgres');
    if (config.netconf) report.running.push('netconfd');
    return report;
  }

  const { dataDir } = config;
  mkdirSync(join(dataDir, 'log'), { recursive: true });
  await withLock(
    dataDir,
    async () => {
      const record = (name: string, outcome: Outcome | 'failed') => {
        if (outcome === 'started') report.started.push(name);
        else if (outcome !== 'failed') report.running.push(name);
      };
      if (nats.kind === 'local') record('nats', await upNats(dataDir, nats, log));
      if (pg.kind === 'local') record('postgres', await upPostgres(dataDir, pg, log));
      if (config.netconf) record('netconfd', await upNetconfd(dataDir, config.netconf, log));
    },
    { timeoutMs: LOCK_TIMEOUT_MS, onWait: (pid) => log(`services: waiting for another services step (pid ${pid}) to finish`) },
  );
  if (report.started.length > 0) {
    log(
      `services: left running after this command: ${report.started.map((n) => LABELS[n]).join(', ')}; stop them with: ${stopCommand(dataDir)}`,
    );
  }
  return report;
}

const STOP_ORDER = ['sshd', 'netconfd', 'nats', 'postgres'] as const;

/** Stops what we started (per the pid files), only where the pid still runs what we launched. Returns what it stopped. */
export async function servicesStop(dataDir: string, log: (line: string) => void = (line) => console.error(line)): Promise<string[]> {
  if (!existsSync(dataDir)) {
    log(`services: nothing of ours to stop (no ${dataDir})`);
    return [];
  }
  const stopped: string[] = [];
  await withLock(
    dataDir,
    async () => {
      for (const name of STOP_ORDER) {
        const launched = readPidFile(dataDir, name);
        if (launched === undefined) continue;
        if (!isOurs(launched)) {
          removePidFile(dataDir, name);
          log(`services: ${LABELS[name]} (pid ${launched.pid}) was no longer running`);
          continue;
        }
        // PostgreSQL: SIGINT is its fast shutdown (SIGTERM would wait for every session to end).
        const how = await stopLaunched(launched, name === 'postgres' ? 'SIGINT' : 'SIGTERM', STOP_GRACE_MS);
        removePidFile(dataDir, name);
        stopped.push(name);
        log(
          `services: stopped ${LABELS[name]} (pid ${launched.pid})${how === 'killed' ? ` with SIGKILL after ${STOP_GRACE_MS / 1000} s` : ''}`,
        );
      }
    },
    { timeoutMs: LOCK_TIMEOUT_MS, onWait: (pid) => log(`services: waiting for another services step (pid ${pid}) to finish`) },
  );
  if (stopped.length === 0) log('services: nothing of ours was running');
  return stopped;
}

export interface ServiceStatus {
  name: string;
  pid: number;
  running: boolean;
  address?: string;
}

/** What the pid files say we started, and whether each still runs. */
export function servicesStatus(dataDir: string): ServiceStatus[] {
  const out: ServiceStatus[] = [];
  for (const name of STOP_ORDER) {
    const launched = readPidFile(dataDir, name);
    if (launched === undefined) continue;
    out.push({ name, pid: launched.pid, running: isOurs(launched), ...(launched.address ? { address: launched.address } : {}) });
  }
  return out;
}

export function formatStatus(dataDir: string, statuses: ServiceStatus[]): string[] {
  if (statuses.length === 0) return [`services: nothing started by us (data in ${dataDir})`];
  return statuses.map(
    (s) =>
      `services: ${LABELS[s.name]}: ${s.running ? 'running' : 'not running (stale pid file)'}, pid ${s.pid}${s.address ? `, ${s.address}` : ''} (started by us, data in ${dataDir})`,
  );
}
