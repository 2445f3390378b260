import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '..', '..', '..');

/** The four apps, in the order `npm start` runs them. */
export const APPS = ['ingress', 'collector', 'discovery', 'notifier'] as const;

function prefixLines(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WritableStream): void {
  createInterface({ input: stream }).on('line', (line) => out.write(`${prefix} ${line}\n`));
}

/**
 * Runs each app as its own process, prefixing its output with `[app]`.
 * SIGTERM/SIGINT are passed on; when one app exits on its own, the others
 * are stopped. Resolves 0 when every app exited 0, else 1.
 */
export function runApps(apps: readonly string[]): Promise<number> {
  const width = Math.max(...apps.map((a) => a.length));
  // Each app listens on its own default port: ingress 8080 (its
  // ops endpoints on OPS_PORT, 9100, which only the ingress reads), collector
  // 9101, discovery 9102, notifier 9103. One HTTP_PORT for all would collide,
  // so <APP>_HTTP_PORT (INGRESS_HTTP_PORT, ...) sets one app's.
  const baseEnv = { ...process.env };
  delete baseEnv.HTTP_PORT;
  const envFor = (app: string): NodeJS.ProcessEnv => {
    const env = { ...baseEnv };
    for (const other of apps) delete env[`${other.toUpperCase()}_HTTP_PORT`];
    const port = process.env[`${app.toUpperCase()}_HTTP_PORT`];
    if (port !== undefined) env.HTTP_PORT = port;
    return env;
  };

  let stopping = false;
  let unexpected = false;
  const children = new Map<string, ChildProcess>();
  const results = apps.map(
    (app) =>
      new Promise<number>((resolveExit) => {
        // `node --import tsx` rather than the tsx CLI: one process per app, signals go straight to it.
        const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'apps', app, 'src', 'main.ts')], {
          cwd: ROOT,
          env: envFor(app),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.set(app, child);
        const prefix = `[${app.padEnd(width)}]`;
        prefixLines(child.stdout!, prefix, process.stdout);
        prefixLines(child.stderr!, prefix, process.stderr);
        child.once('exit', (code, signal) => {
          const status = code ?? (signal ? 1 : 0);
          if (!stopping) {
            unexpected = true;
            process.stderr.write(`${prefix} exited unexpectedly (${code ?? signal}); stopping the others\n`);
            stopAll();
          }
          resolveExit(status);
        });
      }),
  );

  function stopAll(): void {
    stopping = true;
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
  }
  process.once('SIGTERM', stopAll);
  process.once('SIGINT', stopAll);

  return Promise.all(results).then((codes) => (!unexpected && codes.every((c) => c === 0) ? 0 : 1));
}
