import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const CLK_TCK = 100; // /proc/<pid>/stat ticks per second on Linux

/** CPU seconds (user + system, and each), and resident MiB (now and peak) of a process, from /proc. */
export function usage(pid: number): { cpu: number; user: number; system: number; rssMiB: number; peakMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]) / CLK_TCK;
  const system = Number(fields[12]) / CLK_TCK;
  const cpu = user + system;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { cpu, user, system, rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** One sample from a service's /metrics (Prometheus text); `labels` must appear in its label set. NaN when absent. */
export async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match && match[1] === name && (match[2] ?? '').includes(labels)) return Number(match[3]);
  }
  return NaN;
}

/**
 * Rejects when the child exits (race it against a wait so a crash fails the run at once); an exit nobody waits for is not an unhandled
 * rejection.
 */
export function exited(child: ChildProcess, what: string): Promise<never> {
  const exit = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${what} exited ${code}`))));
  exit.catch(() => undefined);
  return exit;
}

/**
 * The simulated fleet (tools/sim) in a process of its own, so the code under
 * measure has a core to itself, with the benches' credentials (bench /
 * bench-pw) and `args`; resolves with it and its first device's JSON line.
 */
export async function spawnSimulator(args: string[]): Promise<{ sim: ChildProcess; first: Record<string, unknown> }> {
  const sim = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(process.cwd(), 'tools', 'sim', 'src', 'main.ts'), '--username', 'bench', '--password', 'bench-pw', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((res, rej) => {
    createInterface({ input: sim.stdout! }).once('line', res);
    sim.once('exit', (code) => rej(new Error(`the simulator exited ${code}`)));
  });
  return { sim, first: JSON.parse(line) as Record<string, unknown> };
}
