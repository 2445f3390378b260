import { userInfo } from 'node:os';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { TelemetryConsumer } from '@switch-telemetry/consumer';
import type { Logger } from '@switch-telemetry/logging';
import { UnstorableMessageError, UpdateBatcher, createTableSql } from './batcher';
import type { SinkConfig } from './config';

export interface RunningSink {
  consumer: TelemetryConsumer;
  batcher: UpdateBatcher;
  /** Messages dropped because the table cannot hold them. */
  unstorable(): number;
  stop(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5_000;
const DRAIN_TIMEOUT_MS = 5_000;

/** Connects to NATS and PostgreSQL, creates the table when missing, starts consuming. */
export async function startSink(config: SinkConfig, log: Logger): Promise<RunningSink> {
  const url = new URL(config.DATABASE_URL);
  // libpq's rule: the URL's user, else PGUSER, else the OS user (pg takes the URL's, even when empty).
  if (url.username === '') url.username = process.env.PGUSER ?? process.env.USER ?? userInfo().username;
  const pool = new pg.Pool({
    connectionString: url.toString(),
    ...(config.DATABASE_PASSWORD !== undefined ? { password: config.DATABASE_PASSWORD } : {}),
    application_name: 'telemetry-postgres-sink',
    max: 2,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: config.SINK_STATEMENT_TIMEOUT_MS,
    query_timeout: config.SINK_STATEMENT_TIMEOUT_MS + 1_000,
  });
  // An idle client that loses its server must not take the process down.
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL client failed'));
  try {
    await pool.query(createTableSql(config.SINK_TABLE));
  } catch (err) {
    await pool.end();
    throw err;
  }
  const nc = await connect({
    servers: config.NATS_URL.split(',').map((s) => s.trim()),
    name: 'postgres-sink',
    token: config.NATS_TOKEN,
    ...(config.NATS_USER !== undefined ? { user: config.NATS_USER, pass: config.NATS_PASSWORD ?? '' } : {}),
    timeout: CONNECT_TIMEOUT_MS,
    maxReconnectAttempts: -1,
  }).catch(async (err: unknown) => {
    await pool.end();
    throw err;
  });
  const batcher = new UpdateBatcher({
    pool,
    table: config.SINK_TABLE,
    batchRows: config.SINK_BATCH_ROWS,
    batchMs: config.SINK_BATCH_MS,
    log,
  });
  let unstorable = 0;
  const consumer = new TelemetryConsumer({
    nc,
    durable: config.SINK_DURABLE,
    namespace: config.NATS_NAMESPACE,
    filter: { device: config.SINK_DEVICE, subscription: config.SINK_SUBSCRIPTION },
    maxInFlight: config.SINK_MAX_IN_FLIGHT,
    ackWaitMs: config.SINK_ACK_WAIT_MS,
    // PostgreSQL being down is retried for days, not given up after a few tries: nothing is lost to an outage.
    maxDeliveries: 10_000,
    retryDelayCapMs: 30_000,
    log,
    handler: async (message) => {
      try {
        await batcher.add(message);
      } catch (err) {
        if (!(err instanceof UnstorableMessageError)) throw err;
        unstorable += 1;
        log.warn({ err, device: message.device }, 'message cannot be stored; dropped');
      }
    },
  });
  try {
    await consumer.start();
  } catch (err) {
    await nc.close();
    await pool.end();
    throw err;
  }
  log.info({ table: config.SINK_TABLE, filter: consumer.filterSubject, durable: config.SINK_DURABLE }, 'postgres sink consuming');
  return {
    consumer,
    batcher,
    unstorable: () => unstorable,
    async stop() {
      // Handlers wait for their batch: flush it so stop() does not wait out the batch timer.
      const stopping = consumer.stop();
      await batcher.flush();
      await stopping;
      await Promise.race([nc.drain(), new Promise((r) => setTimeout(r, DRAIN_TIMEOUT_MS).unref())]);
      if (!nc.isClosed()) await nc.close();
      await pool.end();
    },
  };
}
