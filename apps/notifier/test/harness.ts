import { randomBytes } from 'node:crypto';
import { createTopology, publishJson, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { PostgresOutage, createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { EndpointRepository, endpointInputSchema, type EndpointInput } from '@switch-telemetry/notifications';
import { runService, type RunningService } from '@switch-telemetry/service';
import { NOTIFIER_SERVICE } from '../src/notifier';

export const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;

/** A notifier running in this process on a database and NATS namespace of its own, and what a test needs around it. */
export interface NotifierStack {
  db: TestDatabase;
  pg?: PostgresOutage;
  bus: Bus;
  topology: Topology;
  app: RunningService;
  endpoints: EndpointRepository;
  /** The notifier's /metrics text. */
  metrics(): Promise<string>;
  /** Publishes a session_down alert for `device`; answers its msg id. */
  sessionDown(device: string): Promise<string>;
  addEndpoint(input: Partial<EndpointInput> & Pick<EndpointInput, 'url' | 'secret'>): Promise<string>;
  /** Rows of a query on the test database. */
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

let sequence = 0;

/** `postgresOutage`: the notifier reaches PostgreSQL through a relay the test can cut (`stack.pg`). */
export async function startNotifier(env: Record<string, string> = {}, options: { postgresOutage?: boolean } = {}): Promise<NotifierStack> {
  const namespace = uniqueNamespace('ntf');
  const db = await createTestDatabase();
  const pg = options.postgresOutage ? await PostgresOutage.forDatabase(db.url) : undefined;
  const bus = await withTestBus('notifier-test');
  const topology = createTopology({ namespace });
  const app = await runService(NOTIFIER_SERVICE, {
    env: {
      NATS_URL: natsTestUrl(),
      NATS_NAMESPACE: namespace,
      DATABASE_URL: pg?.url ?? db.url,
      DB_CONNECT_TIMEOUT_MS: '1000',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      // The receivers listen on 127.20.x.y: the operator's allow-list must name them.
      NOTIFIER_ALLOWED_HOSTS: '127.20.0.0/16',
      NOTIFIER_TIMEOUT_MS: '500',
      NOTIFIER_CONNECT_TIMEOUT_MS: '500',
      NOTIFIER_RETRY_BASE_MS: '200',
      NOTIFIER_RETRY_CAP_MS: '1000',
      NOTIFIER_BREAKER_RESET_MS: '1500',
      ...env,
    },
    exit: () => undefined,
    handleSignals: false,
  });
  if (!app) throw new Error('the notifier did not start');
  const endpoints = new EndpointRepository(db.pool);
  return {
    db,
    ...(pg ? { pg } : {}),
    bus,
    topology,
    app,
    endpoints,
    metrics: async () => (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text(),
    async sessionDown(device) {
      const msgId = `down:${device}:backoff:${Date.now()}:${(sequence += 1)}`;
      const now = new Date().toISOString();
      await publishJson(
        bus,
        topology.subjects.alert('session_down'),
        { v: 1, device, state: 'backoff', since: now, last_update: null, restarts: 1, last_error: null, owner: 'test' },
        { msgId, headers: { device } },
      );
      return msgId;
    },
    async addEndpoint(input) {
      // The API's schema fills in what the test leaves out, as it does for a POST.
      return (await endpoints.create(endpointInputSchema.parse({ name: 'test', ...input })))!.id;
    },
    rows: async (sql, params = []) => (await db.pool.query(sql, params)).rows,
    async close() {
      await app.stop();
      await pg?.close();
      await deleteNamespace(bus, topology).catch(() => undefined);
      await bus.close();
      await db.drop();
    },
  };
}

/** Polls `check` until it holds, up to `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of a metric's series carrying these labels (and any others) in Prometheus text; 0 when absent. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && wanted.every((w) => l.slice(0, l.lastIndexOf(' ')).includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
