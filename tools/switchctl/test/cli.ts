import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { natsTestUrl } from '@switch-telemetry/bus/testing';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const BIN = 'tools/switchctl/bin/switchctl.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Starts the switchctl command as users run it (bin/switchctl.js, which runs
 * the bundle, built when the sources changed); killed after `timeoutMs` so no
 * test hangs. No API settings from the developer's own environment or config
 * file leak into a test.
 */
export function startSwitchctl(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): { child: ChildProcess; done: Promise<Run> } {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: '/nonexistent',
      SWITCHCTL_CONFIG: '/nonexistent/config.yaml',
      SWITCHCTL_NATS: natsTestUrl(),
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Run>((res) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
  return { child, done };
}

/** Runs switchctl to its end. */
export const switchctl = (args: string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<Run> =>
  startSwitchctl(args, env, timeoutMs).done;

/** stdout's JSON lines. */
export const lines = (run: Pick<Run, 'stdout'>) =>
  run.stdout
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
