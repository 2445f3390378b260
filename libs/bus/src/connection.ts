import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { withTimeout } from '@switch-telemetry/errors';
import type { Logger } from '@switch-telemetry/logging';
import { BusUnavailableError } from './errors';
import { JetStreamPublisher, type PubAck, type PublishCallback, type PublishOptions } from './publisher';

// Connection defaults (docs/CONTRACTS.md, "Timeouts and retries").
export const NATS_CONNECT_TIMEOUT_MS = 5_000;
export const NATS_RECONNECT_WAIT_MS = 2_000;
export const NATS_RECONNECT_JITTER_MS = 1_000;
export const NATS_PROBE_TIMEOUT_MS = 1_000;
export const NATS_DRAIN_TIMEOUT_MS = 10_000;

export interface BusConnectOptions {
  /** One URL or several, comma-separated (a cluster's seed list). */
  servers: string;
  /** Connection name as NATS monitoring shows it (`collector@pod-7`). */
  name: string;
  token?: string;
  user?: string;
  password?: string;
  connectTimeoutMs?: number;
  reconnectWaitMs?: number;
  reconnectJitterMs?: number;
  probeTimeoutMs?: number;
  /** How long a publish waits for others to share its socket write (see JetStreamPublisher). */
  publishBatchMs?: number;
  log: Logger;
}

/** One NATS connection with its JetStream handles, its health and a clean stop. */
export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Stores a message in JetStream; resolves with the acknowledgement (the fast path for every publish of ours). */
  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PubAck>;
  /** publish() with a callback instead of a promise (hot paths: no promise per message). */
  send(subject: string, data: Uint8Array, options: PublishOptions, done: PublishCallback): void;
  /** True between a (re)connect and the next disconnect. */
  isConnected(): boolean;
  /** Resolves when the server answers a ping in time; throws BusUnavailableError otherwise. */
  probe(): Promise<void>;
  /** Resolves when the connection is closed for good (by `close()` or because it gave up). */
  readonly closed: Promise<Error | void>;
  /** Drains subscriptions and pending publishes, then closes. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Connects once (throws BusUnavailableError when NATS does not answer within
 * the connect timeout), then reconnects forever with a jittered wait.
 */
export async function connectBus(options: BusConnectOptions): Promise<Bus> {
  const log = options.log;
  const probeTimeoutMs = options.probeTimeoutMs ?? NATS_PROBE_TIMEOUT_MS;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.servers.split(',').map((s) => s.trim()),
      name: options.name,
      token: options.token,
      ...(options.user !== undefined ? { user: options.user, pass: options.password ?? '' } : {}),
      timeout: options.connectTimeoutMs ?? NATS_CONNECT_TIMEOUT_MS,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectWaitMs ?? NATS_RECONNECT_WAIT_MS,
      reconnectJitter: options.reconnectJitterMs ?? NATS_RECONNECT_JITTER_MS,
      waitOnFirstConnect: false,
      // Otherwise every request (each JetStream publish) builds two Error
      // objects with stack traces up front, in case it fails: a quarter of
      // the CPU of a publish-heavy process. Our errors carry their own context.
      noAsyncTraces: true,
    });
  } catch (cause) {
    throw new BusUnavailableError(`NATS does not answer at ${options.servers}`, { cause });
  }
  let connected = true;
  const publisher = new JetStreamPublisher(nc, options.publishBatchMs ?? 0);
  log.info({ server: nc.getServer(), name: options.name }, 'nats connected');

  void (async () => {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          connected = false;
          log.warn({ server: status.server }, 'nats disconnected; reconnecting');
          break;
        case 'reconnect':
          connected = true;
          log.info({ server: status.server }, 'nats reconnected');
          break;
        case 'error':
          log.error({ err: status.error }, 'nats server error');
          break;
        case 'slowConsumer':
          log.warn({ subject: status.sub.getSubject() }, 'nats slow consumer');
          break;
        default:
          break;
      }
    }
  })();

  const closed = nc.closed().then((err) => {
    connected = false;
    return err;
  });

  return {
    nc,
    js: jetstream(nc),
    publish: (subject, data, publishOptions) => publisher.publish(subject, data, publishOptions),
    send: (subject, data, publishOptions, done) => publisher.send(subject, data, publishOptions, done),
    jsm: await jetstreamManager(nc),
    isConnected: () => connected && !nc.isClosed(),
    async probe() {
      if (!connected || nc.isClosed()) throw new BusUnavailableError('NATS connection is down');
      try {
        await withTimeout(nc.flush(), probeTimeoutMs, 'nats ping');
      } catch (cause) {
        throw new BusUnavailableError('NATS does not answer a ping', { cause });
      }
    },
    closed,
    async close(timeoutMs = NATS_DRAIN_TIMEOUT_MS) {
      if (nc.isClosed()) return;
      publisher.close();
      try {
        await withTimeout(nc.drain(), timeoutMs, 'nats drain');
      } catch (err) {
        log.warn({ err }, 'nats drain did not finish; closing');
        await nc.close();
      }
    },
  };
}
