import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the switchctl command as users do (bin/switchctl.js, which runs the bundle, built when the sources changed). */
export function switchctl(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, ['tools/switchctl/bin/switchctl.js', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No API settings from the developer's own environment or config file leak into a test.
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', SWITCHCTL_CONFIG: '/nonexistent/config.yaml', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => res({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** stdout's JSON lines. */
export const lines = (run: Run) =>
  run.stdout
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
