import { hostname } from 'node:os';
import { connectBus, createTopology, provisionTopology, type Bus, type Topology } from '@switch-telemetry/bus';
import { ConfigError, EXIT_CONFIG, loadConfig, z, type Env } from '@switch-telemetry/config';
import { createPool, probeDb, type Pool } from '@switch-telemetry/db';
import { HttpClient, httpClientOptionsFrom } from '@switch-telemetry/http-client';
import { JobRuntime } from '@switch-telemetry/jobs';
import { createLogger, type Logger } from '@switch-telemetry/logging';
import { OutboxRelay, type OutboxLane } from '@switch-telemetry/outbox';
import { createMetricsRegistry, createOpsEndpoints, serveOps, type OpsEndpoints, type Registry } from '@switch-telemetry/observability';
import { serviceConfigShape, type ServiceConfig } from './config';
import { EXIT_FAILURE, EXIT_OK, EXIT_UNAVAILABLE } from './exit-codes';

const JOBS_GRACE_SHARE = 0.75;

/** What an app's `start` receives: everything wired, nothing app-specific. */
export interface ServiceContext<C> {
  config: Readonly<C>;
  log: Logger;
  bus: Bus;
  topology: Topology;
  pool: Pool;
  metrics: Registry;
  /** The job runtime: enqueue from anywhere; register workers and schedules in `start`. */
  jobs: JobRuntime;
  /** The process's one outbound HTTP client (retries, breakers, typed errors). */
  http: HttpClient;
  /** Publishes what transactions wrote to the outbox; `kick()` it after a commit. */
  outbox: OutboxRelay;
}

/** An HTTP server an app runs itself (the ingress API); closing it closes whatever serves the ops endpoints too. */
export interface HttpHandle {
  readonly port: number;
  close(): Promise<void>;
}

/** What an app's `start` may hand back: its own work, stopped first on SIGTERM. */
export interface AppHandle {
  stop(): Promise<void>;
  /** Closes what the app's job workers use (its own HTTP client): called once the jobs have stopped. */
  close?(): Promise<void>;
}

export interface ServiceSpec<S extends z.ZodRawShape> {
  app: string;
  defaultHttpPort: number;
  /** The app's own variables, added to the common ones. */
  configShape: S;
  /** Prefixes the app owns (`INGRESS_`): unknown variables under them are errors. */
  ownedPrefixes: string[];
  /**
   * Run the outbox relay here, for the lane of events this app writes to the
   * outbox (and may publish). Others leave it to them, and need no right to
   * publish those subjects.
   */
  relayOutbox?: (topology: Topology) => OutboxLane;
  /**
   * The app still does the job its Service routes to it while PostgreSQL is
   * down (the ingress takes webhooks into JetStream; the collector keeps
   * streaming): it starts without it, and its readiness depends on NATS
   * alone (PostgreSQL is still reported in /readyz and `dependency_up`).
   */
  servesWithoutPostgres?: boolean;
  start?: (ctx: ServiceContext<ServiceConfig & z.infer<z.ZodObject<S>>>) => Promise<AppHandle | void>;
  /**
   * Serve HTTP yourself on HTTP_HOST:HTTP_PORT, and serve `ops` (/healthz,
   * /readyz, /metrics) too: beside your routes, or on a port of their own
   * with `serveOps` (the ingress keeps them off its public port). Without
   * it, the ops endpoints get a server of their own on HTTP_PORT.
   */
  http?: (ctx: ServiceContext<ServiceConfig & z.infer<z.ZodObject<S>>>, ops: OpsEndpoints) => Promise<HttpHandle>;
}

export interface RunOptions {
  env?: Env;
  /** Called once with the exit status; `process.exit` by default. */
  exit?: (code: number) => void;
  /** Install SIGTERM/SIGINT handlers (default true; tests call `stop()`). */
  handleSignals?: boolean;
}

export interface RunningService {
  readonly port: number;
  /** Graceful stop, as SIGTERM does; resolves with the exit status. */
  stop(): Promise<number>;
}

/**
 * Starts an app the one way every app starts: config → logger → NATS (with
 * stream provisioning) → PostgreSQL → the app's own work → ops server →
 * signal handlers. Resolves once serving; `undefined` when start-up failed
 * (the exit callback has then been called with 78 or 69).
 */
export async function runService<S extends z.ZodRawShape>(
  spec: ServiceSpec<S>,
  options: RunOptions = {},
): Promise<RunningService | undefined> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const schema = z.object({ ...serviceConfigShape(spec.defaultHttpPort), ...spec.configShape });

  let config: ServiceConfig & z.infer<z.ZodObject<S>>;
  try {
    config = loadConfig(schema, { env: options.env ?? process.env, ownedPrefixes: spec.ownedPrefixes }) as typeof config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // No logger yet (its level is config too): one JSON line on stderr.
    process.stderr.write(
      JSON.stringify({ level: 'fatal', app: spec.app, code: err.code, msg: err.message, problems: err.problems }) + '\n',
    );
    exit(EXIT_CONFIG);
    return undefined;
  }

  const log = createLogger({ app: spec.app, level: config.LOG_LEVEL });
  const metrics = createMetricsRegistry(spec.app);
  const topology = createTopology({
    namespace: config.NATS_NAMESPACE,
    telemetryMaxAgeMs: config.TELEMETRY_MAX_AGE_S * 1_000,
    telemetryMaxBytes: config.TELEMETRY_MAX_BYTES,
    replicas: config.NATS_REPLICAS,
  });

  let bus: Bus;
  let pool: Pool;
  try {
    bus = await connectBus({
      servers: config.NATS_URL,
      name: `${spec.app}@${hostname()}`,
      token: config.NATS_TOKEN,
      ...(config.NATS_USER !== undefined ? { user: config.NATS_USER, password: config.NATS_PASSWORD ?? '' } : {}),
      connectTimeoutMs: config.NATS_CONNECT_TIMEOUT_MS,
      reconnectWaitMs: config.NATS_RECONNECT_WAIT_MS,
      reconnectJitterMs: config.NATS_RECONNECT_JITTER_MS,
      probeTimeoutMs: config.READINESS_TIMEOUT_MS,
      publishBatchMs: config.NATS_PUBLISH_BATCH_MS,
      log: log.child({ component: 'bus' }),
    });
  } catch (err) {
    log.fatal({ err }, 'NATS does not answer; exiting');
    exit(EXIT_UNAVAILABLE);
    return undefined;
  }
  try {
    await provisionTopology(bus.jsm, topology, log.child({ component: 'bus' }));
    pool = createPool({
      url: config.DATABASE_URL,
      password: config.DATABASE_PASSWORD,
      applicationName: spec.app,
      max: config.DB_POOL_MAX,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
      log: log.child({ component: 'db' }),
    });
    await probeDb(pool, config.DB_CONNECT_TIMEOUT_MS).catch((err: unknown) => {
      if (!spec.servesWithoutPostgres) throw err;
      log.warn({ err }, 'PostgreSQL does not answer; starting without it (what needs it answers 503 until it is back)');
    });
  } catch (err) {
    log.fatal({ err }, 'start-up failed; exiting');
    await bus.close();
    exit(EXIT_UNAVAILABLE);
    return undefined;
  }

  const jobs = new JobRuntime({
    bus,
    topology,
    pool,
    log,
    registry: metrics,
    ackWaitMs: config.JOBS_ACK_WAIT_MS,
    queues: {
      default: config.JOBS_CONCURRENCY_DEFAULT,
      discovery: config.JOBS_CONCURRENCY_DISCOVERY,
      notifications: config.JOBS_CONCURRENCY_NOTIFICATIONS,
      maintenance: config.JOBS_CONCURRENCY_MAINTENANCE,
    },
  });
  const http = new HttpClient({ ...httpClientOptionsFrom(config), log: log.child({ component: 'http' }), registry: metrics });
  const outbox = new OutboxRelay({
    pool,
    bus,
    log: log.child({ component: 'outbox' }),
    registry: metrics,
    pollMs: config.OUTBOX_POLL_MS,
    ...(spec.relayOutbox ? { lane: spec.relayOutbox(topology) } : {}),
  });
  const ctx: ServiceContext<typeof config> = { config, log, bus, topology, pool, metrics, jobs, http, outbox };
  let appHandle: AppHandle | void;
  const ops = createOpsEndpoints({
    registry: metrics,
    log: log.child({ component: 'ops' }),
    readinessTimeoutMs: config.READINESS_TIMEOUT_MS,
    checks: { nats: () => bus.probe(), postgres: () => probeDb(pool, config.READINESS_TIMEOUT_MS) },
    ...(spec.servesWithoutPostgres ? { required: ['nats'] } : {}),
  });
  let server: HttpHandle;
  try {
    appHandle = await spec.start?.(ctx);
    await jobs.start();
    if (spec.relayOutbox) outbox.start();
    server = spec.http
      ? await spec.http(ctx, ops)
      : await serveOps(ops, { host: config.HTTP_HOST, port: config.HTTP_PORT, log: log.child({ component: 'ops' }) });
  } catch (err) {
    log.fatal({ err }, 'start-up failed; exiting');
    await jobs.stop(0);
    await outbox.stop();
    await http.close();
    await bus.close();
    await pool.end();
    exit(EXIT_FAILURE);
    return undefined;
  }

  let stopping: Promise<number> | undefined;
  const stop = (reason: string, status = EXIT_OK): Promise<number> => {
    stopping ??= (async () => {
      log.info({ reason, graceMs: config.SHUTDOWN_GRACE_MS }, 'stopping');
      ops.markStopping();
      const overrun = setTimeout(() => {
        log.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'stop overran its grace period; exiting');
        exit(EXIT_FAILURE);
      }, config.SHUTDOWN_GRACE_MS);
      overrun.unref();
      let code = status;
      try {
        if (appHandle) await appHandle.stop();
        // Jobs get most of the grace period; the rest is for draining NATS and closing the pool.
        await jobs.stop(Math.floor(config.SHUTDOWN_GRACE_MS * JOBS_GRACE_SHARE));
        if (appHandle) await appHandle.close?.();
        await outbox.stop();
        await http.close();
        await bus.close();
        await pool.end();
        await server.close();
      } catch (err) {
        log.error({ err }, 'stop failed');
        code = EXIT_FAILURE;
      }
      clearTimeout(overrun);
      log.info({ code }, 'stopped');
      exit(code);
      return code;
    })();
    return stopping;
  };

  void bus.closed.then((err) => {
    if (!stopping) {
      log.fatal({ err }, 'NATS connection closed for good; exiting so the process is restarted');
      void stop('nats closed', EXIT_FAILURE);
    }
  });

  if (options.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(signal));
    process.on('uncaughtException', (err) => {
      log.fatal({ err }, 'uncaught exception');
      void stop('uncaught exception', EXIT_FAILURE);
    });
    process.on('unhandledRejection', (err) => {
      log.fatal({ err }, 'unhandled rejection');
      void stop('unhandled rejection', EXIT_FAILURE);
    });
  }

  log.info({ port: server.port, namespace: topology.namespace || undefined }, 'ready to serve');
  return { port: server.port, stop: () => stop('stop()') };
}
