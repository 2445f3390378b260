import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, type Registry } from 'prom-client';
import { withTimeout } from '@switch-telemetry/errors';
import type { Logger } from '@switch-telemetry/logging';

/** A readiness check: resolves when the dependency answers, throws (with a message) when not. */
export type ReadinessCheck = () => Promise<void>;

export const READINESS_TIMEOUT_MS = 1_000;
// Our three routes answer fast; anything slower is a stuck client.
const REQUEST_TIMEOUT_MS = 5_000;

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
  /**
   * The checks readiness depends on (default: all). The others are still
   * run, reported in the body and in `dependency_up`, and make the answer
   * `degraded`, but leave it 200: the process can still do the job its
   * Service routes to it.
   */
  required?: string[];
  log: Logger;
  readinessTimeoutMs?: number;
}

export interface OpsServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** From now on /readyz answers 503 "stopping" so load balancers move away. */
  markStopping(): void;
  close(): Promise<void>;
}

type CheckResult = { ok: true } | { ok: false; error: string };

async function runCheck(name: string, check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  try {
    await withTimeout(check(), timeoutMs, `${name} readiness check`);
    return { ok: true };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return { ok: false, error: [e.code, e.message].filter((x) => typeof x === 'string').join(': ') || 'failed' };
  }
}

function send(res: ServerResponse, answer: OpsAnswer): void {
  res.writeHead(answer.status, {
    'content-type': answer.contentType,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}

/** What an ops endpoint answers: status, content type and body. */
export interface OpsAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** The three ops endpoints, independent of the HTTP server that serves them. */
export interface OpsEndpoints {
  /** Answers `/healthz`, `/readyz` or `/metrics`; undefined for any other path. */
  answer(path: string): Promise<OpsAnswer | undefined>;
  /** From now on /readyz answers 503 "stopping" so load balancers move away. */
  markStopping(): void;
}

const json = (status: number, body: unknown): OpsAnswer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

/**
 * `/healthz` (the process is alive: never asks another system), `/readyz`
 * (200 when every required dependency answered in time; the body lists each
 * dependency's state), `/metrics` (Prometheus text).
 */
export function createOpsEndpoints(options: Omit<OpsServerOptions, 'host' | 'port'>): OpsEndpoints {
  const timeoutMs = options.readinessTimeoutMs ?? READINESS_TIMEOUT_MS;
  let stopping = false;
  const up = new Gauge({
    name: 'dependency_up',
    help: '1 when the dependency answered the last readiness check, else 0',
    labelNames: ['dependency'],
    registers: [options.registry],
  });

  async function readiness(): Promise<OpsAnswer> {
    if (stopping) return json(503, { status: 'stopping' });
    const names = Object.keys(options.checks);
    const results = await Promise.all(names.map((name) => runCheck(name, options.checks[name]!, timeoutMs)));
    const checks: Record<string, string> = {};
    results.forEach((result, i) => {
      const name = names[i]!;
      checks[name] = result.ok ? 'ok' : result.error;
      up.set({ dependency: name }, result.ok ? 1 : 0);
    });
    const required = options.required ?? names;
    const ready = results.every((r, i) => r.ok || !required.includes(names[i]!));
    const status = !ready ? 'unavailable' : results.every((r) => r.ok) ? 'ready' : 'degraded';
    return json(ready ? 200 : 503, { status, checks, required });
  }

  return {
    async answer(path) {
      switch (path) {
        case '/healthz':
          return json(200, { status: 'ok' });
        case '/readyz':
          return readiness();
        case '/metrics':
          return { status: 200, contentType: options.registry.contentType, body: await options.registry.metrics() };
        default:
          return undefined;
      }
    },
    markStopping() {
      stopping = true;
    },
  };
}

/** A node:http server for the ops endpoints alone (apps without an HTTP API of their own). */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  return serveOps(createOpsEndpoints(options), options);
}

/** Serves existing ops endpoints on their own node:http server. */
export async function serveOps(endpoints: OpsEndpoints, options: Pick<OpsServerOptions, 'host' | 'port' | 'log'>): Promise<OpsServer> {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, json(405, { error: 'method not allowed' }));
    }
    send(res, (await endpoints.answer(path)) ?? json(404, { error: 'not found' }));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      options.log.error({ err, path: req.url }, 'ops endpoint failed');
      if (!res.headersSent) send(res, json(500, { error: 'internal error' }));
      else res.destroy();
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = REQUEST_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.log.info({ host: options.host, port }, 'ops server listening');

  return {
    port,
    markStopping: () => endpoints.markStopping(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
