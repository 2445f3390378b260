// Process bookkeeping for the services step (services.ts): pid files that
// remember what we launched, a check of /proc/<pid>/cmdline before we ever
// signal a pid, a lock against two concurrent steps, detached launches.
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { EXIT_UNAVAILABLE } from '@switch-telemetry/config';

/** An expected failure of the services step: one line for the user and the exit status. */
export class ServicesError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_UNAVAILABLE,
  ) {
    super(message);
  }
}

/** What a pid file under <data>/run remembers about a process we started. */
export interface Launched {
  pid: number;
  /** Each of these must appear in /proc/<pid>/cmdline before we treat the pid as ours. */
  match: string[];
  /** host:port it serves, when it is a server of ours with an address. */
  address?: string;
  startedAt: string;
}

export function runDir(dataDir: string): string {
  return join(dataDir, 'run');
}

function pidFile(dataDir: string, name: string): string {
  return join(runDir(dataDir), `${name}.json`);
}

export function writePidFile(dataDir: string, name: string, launched: Omit<Launched, 'startedAt'>): void {
  mkdirSync(runDir(dataDir), { recursive: true });
  writeFileSync(pidFile(dataDir, name), `${JSON.stringify({ ...launched, startedAt: new Date().toISOString() })}\n`);
}

export function readPidFile(dataDir: string, name: string): Launched | undefined {
  try {
    const value = JSON.parse(readFileSync(pidFile(dataDir, name), 'utf8')) as Launched;
    return Number.isInteger(value.pid) && value.pid > 0 && Array.isArray(value.match) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function removePidFile(dataDir: string, name: string): void {
  rmSync(pidFile(dataDir, name), { force: true });
}

/** 'gone', 'zombie' (exited, not yet reaped: its pid still answers kill 0) or 'alive'. */
export function processState(pid: number): 'gone' | 'zombie' | 'alive' {
  try {
    // "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X' ? 'zombie' : 'alive';
  } catch {
    return 'gone';
  }
}

/** The argv of a live process, or undefined when it is gone or a zombie. Empty for a moment while it execs. */
export function procArgv(pid: number): string[] | undefined {
  if (processState(pid) !== 'alive') return undefined;
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and its command line still holds every `match` string: the process we launched, not a reused pid. */
export function isOurs(launched: Pick<Launched, 'pid' | 'match'>): boolean {
  const argv = procArgv(launched.pid);
  if (argv === undefined) return false;
  const line = argv.join(' ');
  return launched.match.every((m) => line.includes(m));
}

/** The pid file's process when it is alive and still ours; undefined otherwise. */
export function liveLaunched(dataDir: string, name: string): Launched | undefined {
  const launched = readPidFile(dataDir, name);
  return launched !== undefined && isOurs(launched) ? launched : undefined;
}

/** Pids of live processes whose command name (/proc/<pid>/comm) is `comm`. */
export function pidsByComm(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The network namespace of a process ("net:[4026531840]"), to tell this namespace's servers from others'. */
export function netNamespace(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts `argv` (after `prefix`, e.g. unshare) in its own session, output
 * appended to `logFile`, not waited for: it outlives us. Returns its pid.
 */
export function spawnDetached(
  prefix: readonly string[],
  argv: readonly string[],
  logFile: string,
  options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const fd = openSync(logFile, 'a');
  const [command, ...args] = [...prefix, ...argv] as [string, ...string[]];
  return new Promise((resolvePid, reject) => {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
      env: options.env ?? process.env,
    });
    closeSync(fd);
    child.once('error', (err) => reject(new ServicesError(`could not run ${command}: ${err.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolvePid(child.pid!);
    });
  });
}

const LOG_KEEP_BYTES = 10 * 1024 * 1024;

/** Moves a log over 10 MiB to <log>.1 (replacing the one before), so that logs appended at each start stay bounded. */
export function rotateLog(file: string): void {
  if (fileSize(file) > LOG_KEEP_BYTES) renameSync(file, `${file}.1`);
}

/** The size of a file (0 when missing): where the lines of a new start begin in an appended log. */
export function fileSize(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

/** The last non-empty line of a log file from byte `from` on, for a one-line error. */
export function lastLogLine(file: string, from = 0): string {
  try {
    const lines = readFileSync(file)
      .subarray(from)
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    return lines.at(-1) ?? '(empty log)';
  } catch {
    return '(no log)';
  }
}

/**
 * Signals a process we launched and waits for it to go: `signal` first,
 * SIGKILL after `graceMs`. Never signals a pid whose command line is not ours.
 */
export async function stopLaunched(launched: Launched, signal: NodeJS.Signals, graceMs: number): Promise<'stopped' | 'gone' | 'killed'> {
  if (!isOurs(launched)) return 'gone';
  try {
    process.kill(launched.pid, signal);
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(launched)) return 'stopped';
    await sleep(50);
  }
  if (isOurs(launched)) {
    try {
      process.kill(launched.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    const killDeadline = Date.now() + 5_000;
    while (isOurs(launched) && Date.now() < killDeadline) await sleep(50);
  }
  return 'killed';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding <data>/run/lock: an exclusive file holding our pid. A
 * lock whose pid is gone (a step killed mid-way) is taken over; a live one is
 * waited for, up to `timeoutMs`.
 */
export async function withLock<T>(
  dataDir: string,
  fn: () => Promise<T>,
  options: { timeoutMs: number; onWait?: (pid: number) => void },
): Promise<T> {
  mkdirSync(runDir(dataDir), { recursive: true });
  const lock = join(runDir(dataDir), 'lock');
  const deadline = Date.now() + options.timeoutMs;
  let told = false;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    }
    let holder = NaN;
    let ageMs = 0;
    try {
      holder = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      ageMs = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    // No pid yet: its holder is between open and write, unless that was long ago.
    const stale = Number.isNaN(holder) ? ageMs > 10_000 : !pidAlive(holder);
    if (stale) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new ServicesError(
        `another services step (pid ${holder}) has held ${lock} for over ${Math.round(options.timeoutMs / 1000)} s; if it hangs, stop it`,
      );
    }
    if (!told) options.onWait?.(holder);
    told = true;
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
