import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createTopology, provisionTopology, type Bus, type Topology } from '@switch-telemetry/bus';
import { deleteNamespace, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { webhookProcessJob, webhookProcessor, type WebhookProcessorDeps } from '@switch-telemetry/inventory';
import { JobRuntime } from '@switch-telemetry/jobs';
import { createLogger } from '@switch-telemetry/logging';
import { createOpsEndpoints, serveOps, type OpsServer } from '@switch-telemetry/observability';
import { OutboxRelay } from '@switch-telemetry/outbox';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_MAX_CONNECTIONS, type ApiToken, type WebhookSource } from '../src/config';
import { buildServer } from '../src/server';

export const SECRETS = {
  hex: 'hex-secret-0123456789',
  hexOld: 'hex-secret-previous-0000',
  github: 'github-secret-0123456789',
  standard: `whsec_${Buffer.from('standard-webhooks-key-0123456789').toString('base64')}`,
  netbox: 'netbox-webhook-secret-0123456789',
  netboxOld: 'netbox-webhook-secret-previous',
};
export const TOKENS = {
  read: 'read-token-0123456789abcdefghij',
  write: 'write-token-0123456789abcdefghij',
  admin: 'admin-token-0123456789abcdefghij',
};

export const SOURCES: WebhookSource[] = [
  { name: 'nms', scheme: 'hex', secrets: [SECRETS.hex, SECRETS.hexOld] },
  { name: 'gh', scheme: 'github', secrets: [SECRETS.github] },
  { name: 'std', scheme: 'standard', secrets: [SECRETS.standard] },
  { name: 'nb', scheme: 'netbox', secrets: [SECRETS.netbox, SECRETS.netboxOld] },
];
const API_TOKENS: ApiToken[] = [
  { name: 'viewer', token: TOKENS.read, scope: 'read' },
  { name: 'writer', token: TOKENS.write, scope: 'write' },
  { name: 'operator', token: TOKENS.admin, scope: 'admin' },
];

export interface Ingress {
  url: string;
  /** The ops server (/metrics, /healthz, /readyz), on a port of its own. */
  opsUrl: string;
  app: FastifyInstance;
  bus: Bus;
  db: TestDatabase;
  topology: Topology;
  jobs: JobRuntime;
  registry: Registry;
  outbox: OutboxRelay;
  /** Messages stored on a subject filter of the namespace's streams. */
  count(stream: 'events' | 'jobs', subjectTail: string): Promise<number>;
  /**
   * Device events written, once the outbox relay has published them all (at
   * most 10 s): the outbox and the stream cannot be read in one step, so a
   * row published between two reads would be counted twice.
   */
  deviceEvents(): Promise<number>;
  close(): Promise<void>;
}

/** The ingress server and its ops server on port 0 against the real NATS (or `natsUrl`) and a database of its own. */
export async function startIngress(
  options: { natsUrl?: string; bodyLimitBytes?: number; maxConnections?: number; duplicateWindowMs?: number } = {},
): Promise<Ingress> {
  const log = createLogger({ app: 'ingress-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const topology = createTopology({
    namespace: uniqueNamespace('ing'),
    ...(options.duplicateWindowMs === undefined ? {} : { duplicateWindowMs: options.duplicateWindowMs }),
  });
  const db = await createTestDatabase();
  const bus = await withTestBus('ingress-test', options.natsUrl);
  await provisionTopology(bus.jsm, topology, log);
  const registry = new Registry();
  const jobs = new JobRuntime({ bus, topology, pool: db.pool, log, registry });
  const ops = createOpsEndpoints({ registry, log, checks: { nats: () => bus.probe() } });
  const outbox = new OutboxRelay({ pool: db.pool, bus, log, pollMs: 200 });
  outbox.start();
  const app = buildServer(
    { pool: db.pool, bus, topology, jobs, log, outbox },
    {
      bodyLimitBytes: options.bodyLimitBytes ?? 1_048_576,
      sources: SOURCES,
      tokens: API_TOKENS,
      publishTimeoutMs: 1_000,
      retryAfterS: 5,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      registry,
      version: 'test',
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const opsServer: OpsServer = await serveOps(ops, { host: '127.0.0.1', port: 0, log });
  const count: Ingress['count'] = async (stream, subjectTail) => {
    const name = topology.streams[stream].name;
    const info = await bus.jsm.streams.info(name, { subjects_filter: `${topology.namespace}.${subjectTail}` });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    opsUrl: `http://127.0.0.1:${opsServer.port}`,
    app,
    bus,
    db,
    topology,
    jobs,
    registry,
    outbox,
    count,
    async deviceEvents() {
      const deadline = Date.now() + 10_000;
      while (Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n) > 0) {
        if (Date.now() > deadline) throw new Error('the outbox was not drained within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      return count('events', 'events.device.>');
    },
    async close() {
      await app.close();
      await outbox.stop();
      await opsServer.close();
      await jobs.stop(100);
      await deleteNamespace(bus, topology).catch(() => undefined);
      await bus.close();
      await db.drop();
    },
  };
}

/**
 * The webhook worker (the discovery app's), here in the test process on the
 * ingress's job runtime and database; `options` adds to or replaces its deps.
 */
export function workWebhooks(ingress: Ingress, options: Partial<WebhookProcessorDeps> = {}): void {
  ingress.jobs.work(
    webhookProcessJob,
    webhookProcessor({
      pool: ingress.db.pool,
      topology: ingress.topology,
      jobs: ingress.jobs,
      registry: ingress.registry,
      onChange: () => ingress.outbox.kick(),
      ...options,
    }),
  );
}
