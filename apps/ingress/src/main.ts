import { subnetPolicyFrom } from '@switch-telemetry/scanning';
import { deviceEventsLane } from '@switch-telemetry/inventory';
import type { AddressInfo } from 'node:net';
import { serveOps, type OpsServer } from '@switch-telemetry/observability';
import { runService } from '@switch-telemetry/service';
import { INGRESS_HTTP_PORT, ingressConfigShape } from './config';
import { buildServer } from './server';

void runService({
  app: 'ingress',
  defaultHttpPort: INGRESS_HTTP_PORT,
  configShape: ingressConfigShape,
  relayOutbox: deviceEventsLane,
  // Webhooks need only JetStream: a database outage must not take the ingress out of its Service.
  servesWithoutPostgres: true,
  ownedPrefixes: ['INGRESS_'],
  http: async (ctx, ops) => {
    const server = buildServer(
      {
        pool: ctx.pool,
        bus: ctx.bus,
        topology: ctx.topology,
        jobs: ctx.jobs,
        outbox: ctx.outbox,
        log: ctx.log.child({ component: 'http' }),
      },
      {
        bodyLimitBytes: ctx.config.INGRESS_BODY_LIMIT_BYTES,
        sources: ctx.config.INGRESS_WEBHOOK_SOURCES,
        tokens: ctx.config.INGRESS_API_TOKENS,
        publishTimeoutMs: ctx.config.INGRESS_PUBLISH_TIMEOUT_MS,
        retryAfterS: ctx.config.INGRESS_RETRY_AFTER_S,
        maxConnections: ctx.config.INGRESS_MAX_CONNECTIONS,
        registry: ctx.metrics,
        version: '0.1.0',
        allowedHosts: ctx.config.NOTIFIER_ALLOWED_HOSTS,
        subnetPolicy: subnetPolicyFrom(ctx.config),
      },
    );
    await server.listen({ host: ctx.config.HTTP_HOST, port: ctx.config.HTTP_PORT });
    // /metrics and the probes stay off the public port: scrapers and the
    // kubelet reach OPS_PORT, callers from outside only HTTP_PORT. Opened
    // second, so /readyz never answers before the public port listens.
    let opsServer: OpsServer;
    try {
      opsServer = await serveOps(ops, { host: ctx.config.HTTP_HOST, port: ctx.config.OPS_PORT, log: ctx.log.child({ component: 'ops' }) });
    } catch (err) {
      await server.close();
      throw err;
    }
    return {
      port: (server.server.address() as AddressInfo).port,
      close: async () => {
        await server.close();
        await opsServer.close();
      },
    };
  },
});
