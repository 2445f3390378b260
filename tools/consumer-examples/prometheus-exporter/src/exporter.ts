import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Gauge, Registry } from 'prom-client';
import { TelemetryConsumer } from '@switch-telemetry/consumer';
import type { Logger } from '@switch-telemetry/logging';
import type { ExporterConfig } from './config';
import { TelemetryGauges } from './gauges';

export interface RunningExporter {
  /** Where /metrics answers. */
  url: string;
  gauges: TelemetryGauges;
  consumer: TelemetryConsumer;
  stop(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5_000;
const DRAIN_TIMEOUT_MS = 5_000;

/** Connects, starts the durable consumer and the /metrics server. */
export async function startExporter(config: ExporterConfig, log: Logger): Promise<RunningExporter> {
  const nc: NatsConnection = await connect({
    servers: config.NATS_URL.split(',').map((s) => s.trim()),
    name: 'prometheus-exporter',
    token: config.NATS_TOKEN,
    ...(config.NATS_USER !== undefined ? { user: config.NATS_USER, pass: config.NATS_PASSWORD ?? '' } : {}),
    timeout: CONNECT_TIMEOUT_MS,
    maxReconnectAttempts: -1,
  });
  const registry = new Registry();
  const gauges = new TelemetryGauges({ registry, paths: config.EXPORTER_PATHS, maxSeries: config.EXPORTER_MAX_SERIES, log });
  const consumer = new TelemetryConsumer({
    nc,
    durable: config.EXPORTER_DURABLE,
    namespace: config.NATS_NAMESPACE,
    filter: { device: config.EXPORTER_DEVICE, subscription: config.EXPORTER_SUBSCRIPTION },
    maxInFlight: config.EXPORTER_MAX_IN_FLIGHT,
    deliverPolicy: config.EXPORTER_DELIVER_POLICY,
    log,
    handler: async (message) => gauges.apply(message),
  });
  new Gauge({
    name: 'telemetry_exporter_invalid_messages',
    help: 'Messages on the stream that were not telemetry messages (dropped) since start',
    registers: [registry],
    collect() {
      this.set(consumer.stats().invalid);
    },
  });
  let server: Server | undefined;
  try {
    await consumer.start();
    server = await listen(registry, config.EXPORTER_HTTP_HOST, config.EXPORTER_HTTP_PORT, log);
  } catch (err) {
    await consumer.stop(1_000);
    await nc.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.EXPORTER_HTTP_HOST === '0.0.0.0' ? '127.0.0.1' : config.EXPORTER_HTTP_HOST;
  log.info({ port, paths: config.EXPORTER_PATHS, filter: consumer.filterSubject }, 'prometheus exporter serving /metrics');
  return {
    url: `http://${host}:${port}/metrics`,
    gauges,
    consumer,
    async stop() {
      const closed = new Promise<void>((r) => server!.close(() => r()));
      server!.closeAllConnections();
      await closed;
      await consumer.stop();
      await Promise.race([nc.drain(), new Promise((r) => setTimeout(r, DRAIN_TIMEOUT_MS).unref())]);
      if (!nc.isClosed()) await nc.close();
    },
  };
}

function listen(registry: Registry, host: string, port: number, log: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => {
          log.error({ err }, 'metrics failed');
          res.writeHead(500).end();
        },
      );
    } else if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      res.writeHead(404).end();
    }
  });
  // A scrape is small: slow clients are cut off.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
