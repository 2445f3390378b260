import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** A free TCP port on loopback, for a server we are about to start. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, host);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A private nats-server with JetStream on its own port, which a test may
 * stop and start again (same port, same store) to play an outage.
 */
export class PrivateNatsServer {
  private child: ChildProcess | undefined;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'st-nats-'));
  private readonly extraArgs: string[] = [];
  private extraEnv: Record<string, string> = {};

  private constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  /**
   * Starts a server. `config` is nats-server configuration text (for
   * settings without a flag, such as `max_payload: 65536`); `args` are
   * further command-line arguments; `env` variables the configuration names
   * (passwords: `$NOTIFIER_NATS_PASSWORD`). `host` is the loopback address it
   * listens on (127.0.0.1 unless given); `port` its client port, a free one
   * unless given: a server on an address of its own (127.x.y.z) can take a
   * fixed port without meeting a client connection's.
   */
  static async start(
    options: { config?: string; args?: readonly string[]; env?: Record<string, string>; host?: string; port?: number } = {},
  ): Promise<PrivateNatsServer> {
    const host = options.host ?? '127.0.0.1';
    const server = new PrivateNatsServer(host, options.port ?? (await freePort(host)));
    server.extraEnv = { ...(options.env ?? {}) };
    if (options.config !== undefined) {
      const file = join(server.storeDir, 'nats-server.conf');
      writeFileSync(file, options.config);
      server.extraArgs.push('-c', file);
    }
    server.extraArgs.push(...(options.args ?? []));
    await server.resume();
    return server;
  }

  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  /** Starts the server (again) on the same port and store. */
  async resume(): Promise<void> {
    // nats-server lets flags override the file, so the port and store stay ours.
    this.child = spawn(NATS_SERVER_BIN, [...this.extraArgs, '-a', this.host, '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: 'ignore',
      env: { ...process.env, ...this.extraEnv },
    });
    await waitForPort(this.host, this.port, 10_000);
  }

  /** Stops the server, as an outage would (SIGKILL). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
