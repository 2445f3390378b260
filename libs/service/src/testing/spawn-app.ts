import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface SpawnedApp {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process ended. */
  exited: Promise<number | string>;
  /** Polls `url` until it answers `status`, up to `timeoutMs`. */
  waitFor(url: string, status: number, timeoutMs: number): Promise<void>;
  /** Polls `check` (a throw counts as false) until true, up to `timeoutMs`; fails at once, with the app's output, if the app exits. */
  until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void>;
  /** The `port` of the first JSON log line whose msg is `msg` ("ready to serve", "ops server listening"): how tests find port 0's pick. */
  loggedPort(msg: string, timeoutMs?: number): Promise<number>;
}

const ROOT = resolve(__dirname, '..', '..', '..', '..');

/** Runs an app's `main.ts` as its own process, as `npm run start:<app>` does. */
export function spawnApp(mainTs: string, env: Record<string, string>): SpawnedApp {
  const child = spawn(process.execPath, ['--import', 'tsx', mainTs], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | string>((res) => child.once('exit', (code, signal) => res(code ?? signal ?? -1)));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(url, status, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = await fetch(url).then(
          (r) => r.status,
          () => 0,
        );
        if (got === status) return;
        if (child.exitCode !== null) throw new Error(`app exited (${child.exitCode}) before ${url} answered ${status}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last ${got}):\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async loggedPort(msg, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const line of output.split('\n')) {
          if (!line.includes(`"msg":"${msg}"`)) continue;
          const port = (JSON.parse(line) as { port?: unknown }).port;
          if (typeof port === 'number') return port;
        }
        if (child.exitCode !== null)
          throw new Error(`the app exited (${child.exitCode}) before logging "${msg}":\n${output.slice(-3_000)}`);
        if (Date.now() > deadline) throw new Error(`no "${msg}" line within ${timeoutMs} ms:\n${output.slice(-3_000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async until(check, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check().catch(() => false))) {
        if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}) waiting for ${what}:\n${output.slice(-3_000)}`);
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
