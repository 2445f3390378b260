import type { AddressInfo } from 'node:net';
import { runService } from '@switch-telemetry/service';
import { INGRESS_HTTP_PORT, ingressConfigShape } from './config';
import { buildServer } from './server';

void runService({
  app: 'ingress',
  defaultHttpPort: INGRESS_HTTP_PORT,
  configShape: ingressConfigShape,
  relayOutbox: true,
  ownedPrefixes: ['INGRESS_'],
  http: async (ctx, ops) => {
    const server = buildServer(
      { pool: ctx.pool, bus: ctx.bus, topology: ctx.topology, jobs: ctx.jobs, outbox: ctx.outbox, log: ctx.log.child({ component: 'http' }) },
      {
        bodyLimitBytes: ctx.config.INGRESS_BODY_LIMIT_BYTES,
        sources: ctx.config.INGRESS_WEBHOOK_SOURCES,
        tokens: ctx.config.INGRESS_API_TOKENS,
        publishTimeoutMs: ctx.config.INGRESS_PUBLISH_TIMEOUT_MS,
        retryAfterS: ctx.config.INGRESS_RETRY_AFTER_S,
        registry: ctx.metrics,
        ops,
        version: '0.1.0',
      },
    );
    await server.listen({ host: ctx.config.HTTP_HOST, port: ctx.config.HTTP_PORT });
    return { port: (server.server.address() as AddressInfo).port, close: () => server.close() };
  },
});
