import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { BusUnavailableError, PublishError } from '@switch-telemetry/bus';
import { isDbUnavailable } from '@switch-telemetry/db';
import { deviceRoutes } from './api/devices';
import { netboxRoutes } from './api/netbox';
import { profileRoutes } from './api/profiles';
import { operationRoutes } from './api/operations';
import { AddressPolicy } from '@switch-telemetry/notifications';
import { webhookEndpointRoutes } from './api/webhook-endpoints';
import { discoveryRoutes } from './api/discovery';
import { SubnetPolicy } from '@switch-telemetry/scanning';
import { TokenAuth } from './auth';
import type { ApiToken, WebhookSource } from './config';
import type { IngressDeps } from './deps';
import { ProblemError, problem, sendProblem } from './problem';
import { Api } from './routes';
import { webhookBodyLimit, webhookRoutes } from './webhooks';

// Every wait bounded (slow clients): the header block must arrive within
// HEADERS_TIMEOUT_MS and the whole request within REQUEST_TIMEOUT_MS. Node
// checks both only every CONNECTIONS_CHECKING_INTERVAL_MS (30 s by default,
// which would let a slow client hold a connection up to 30 s longer).
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export interface ServerOptions {
  bodyLimitBytes: number;
  sources: readonly WebhookSource[];
  tokens: readonly ApiToken[];
  publishTimeoutMs: number;
  retryAfterS: number;
  /** Connections held at once; more are closed as they arrive. */
  maxConnections: number;
  registry: Registry;
  version: string;
  /** NOTIFIER_ALLOWED_HOSTS: webhook endpoint URLs may name these although they are private (default: none). */
  allowedHosts?: string;
  /** What a scan may cover (DISCOVERY_ALLOWED_SUBNETS and the widest prefixes); the defaults when absent. */
  subnetPolicy?: SubnetPolicy;
}

/**
 * The ingress's public HTTP server: webhooks, the REST API and its OpenAPI
 * document. The ops endpoints are served on a port of their own.
 */
export function buildServer(deps: IngressDeps, options: ServerOptions): FastifyInstance {
  // Every body becomes a NATS message (a webhook's event and job, a REST
  // change's device event through the outbox): none may be larger than the
  // server takes, or it would be refused on every retry (an outbox row
  // that can never be published blocks the rows behind it).
  const bodyLimit = webhookBodyLimit(options.bodyLimitBytes, deps.bus.nc.info?.max_payload);
  deps.log.info(
    { configuredBytes: options.bodyLimitBytes, natsMaxPayloadBytes: deps.bus.nc.info?.max_payload, bodyLimitBytes: bodyLimit },
    'body limit',
  );
  const app = Fastify({
    logger: false,
    bodyLimit,
    http: { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS },
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    routerOptions: { maxParamLength: 300 },
    return503OnClosing: true,
  });
  app.server.maxConnections = options.maxConnections;

  // JSON bodies are kept as the exact bytes received: webhook signatures are
  // over those bytes, and each route decodes (UTF-8, then JSON) itself.
  app.removeAllContentTypeParsers();
  const keepBytes = (_req: unknown, body: string | Buffer, done: (err: null, body: Buffer) => void) => done(null, body as Buffer);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, keepBytes);
  app.addContentTypeParser(/^application\/[a-z0-9.+-]+\+json$/i, { parseAs: 'buffer' }, keepBytes);

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [options.registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer, by route and method',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [options.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.labels(route, request.method, String(reply.statusCode)).inc();
    duration.labels(route, request.method).observe(reply.elapsedTime / 1_000);
  });

  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
    if (error instanceof ProblemError) {
      return sendProblem(reply, problem(error.status, error.slug, error.title, error.detail, error.errors), error.headers);
    }
    if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit ?? bodyLimit;
      return sendProblem(reply, problem(413, 'too-large', 'Body too large', `bodies here may be at most ${limit} bytes`));
    }
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendProblem(reply, problem(status, (error as FastifyError).code?.toLowerCase() ?? 'bad-request', error.message.slice(0, 200)));
    }
    // A dependency that is down is not our bug: 503 naming it, and when to try again.
    const dependency = unavailableDependency(error);
    if (dependency) {
      deps.log.warn(
        { err: error, route: request.routeOptions.url, method: request.method, dependency },
        'dependency unavailable; answering 503',
      );
      return sendProblem(
        reply,
        problem(503, 'dependency-unavailable', `${dependency} is unavailable`, `${dependency} does not answer now; try again later`),
        {
          'retry-after': String(options.retryAfterS),
        },
      );
    }
    // Our own bug: logged with an id the caller gets too, so the two can be matched.
    const correlationId = randomUUID();
    deps.log.error(
      { err: error, route: request.routeOptions.url, method: request.method, correlation_id: correlationId },
      'request failed',
    );
    return sendProblem(reply, {
      ...problem(500, 'internal', 'Internal error', `quote correlation id ${correlationId} when reporting this`),
      correlation_id: correlationId,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'not-found', 'Not found', `${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`)),
  );

  webhookRoutes(app, deps, {
    sources: options.sources,
    publishTimeoutMs: options.publishTimeoutMs,
    retryAfterS: options.retryAfterS,
    bodyLimitBytes: bodyLimit,
    registry: options.registry,
  });

  const api = new Api();
  deviceRoutes(api, deps);
  profileRoutes(api, deps);
  netboxRoutes(api, deps);
  operationRoutes(api, deps);
  discoveryRoutes(api, deps, options.subnetPolicy ?? new SubnetPolicy());
  webhookEndpointRoutes(api, deps, AddressPolicy.fromList(options.allowedHosts ?? ''));
  api.register(app, new TokenAuth(options.tokens));
  const document = api.openapi({ title: 'SwitchTelemetry API', version: options.version });
  app.get('/v1/openapi.json', async () => document);
  return app;
}

/** The dependency an error says is down (PostgreSQL, NATS), or undefined for any other error. */
export function unavailableDependency(error: unknown): 'PostgreSQL' | 'NATS' | undefined {
  if (isDbUnavailable(error)) return 'PostgreSQL';
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof BusUnavailableError || e instanceof PublishError) return 'NATS';
    const code = (e as { code?: unknown }).code;
    // nats.js: no responders, a request that timed out, a connection closed or draining.
    if (code === '503' || code === 'TIMEOUT' || code === 'CONNECTION_CLOSED' || code === 'CONNECTION_DRAINING') return 'NATS';
    if (e instanceof Error && /^(TimeoutError|NoRespondersError|ClosedConnectionError|DrainingConnectionError|RequestError)$/.test(e.name))
      return 'NATS';
  }
  return undefined;
}
