import { Pool, type PoolConfig } from 'pg';
import { withTimeout } from '@switch-telemetry/errors';
import type { Logger } from '@switch-telemetry/logging';
import { withDefaultUser } from './connection-string';
import { DbUnavailableError } from './errors';

export type { Pool, PoolClient } from 'pg';

// Defaults: named here so a pool never runs without a bound.
export const DB_CONNECT_TIMEOUT_MS = 5_000;
export const DB_STATEMENT_TIMEOUT_MS = 10_000;
export const DB_IDLE_TIMEOUT_MS = 30_000;
export const DB_PROBE_TIMEOUT_MS = 2_000;
export const DB_POOL_MAX = 10;

export interface DbPoolOptions {
  url: string;
  password?: string;
  applicationName: string;
  max?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  idleTimeoutMs?: number;
  log: Logger;
}

/**
 * A pg Pool where every wait is bounded: connecting, each statement (server
 * side, and client side a second later in case the server is gone), idle
 * transactions and idle clients. Errors of idle clients are logged, not fatal.
 */
export function createPool(options: DbPoolOptions): Pool {
  const statementTimeoutMs = options.statementTimeoutMs ?? DB_STATEMENT_TIMEOUT_MS;
  const config: PoolConfig = {
    connectionString: withDefaultUser(options.url),
    application_name: options.applicationName,
    max: options.max ?? DB_POOL_MAX,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: options.idleTimeoutMs ?? DB_IDLE_TIMEOUT_MS,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: statementTimeoutMs * 3,
    keepAlive: true,
  };
  if (options.password !== undefined) config.password = options.password;
  const pool = new Pool(config);
  pool.on('error', (err) => options.log.warn({ err }, 'idle postgres client failed; it was removed from the pool'));
  // A client checked out and between queries (a transaction waiting on NATS)
  // has no listener of the pool's: a reset socket would be an uncaught
  // exception. Its next query fails instead, and it is not reused.
  pool.on('connect', (client) => client.on('error', (err) => options.log.warn({ err }, 'postgres connection failed while checked out')));
  return pool;
}

/** Resolves when PostgreSQL answers `SELECT 1` in time; throws DbUnavailableError otherwise. */
export async function probeDb(pool: Pool, timeoutMs = DB_PROBE_TIMEOUT_MS): Promise<void> {
  try {
    await withTimeout(pool.query('SELECT 1'), timeoutMs, 'postgres probe');
  } catch (cause) {
    throw new DbUnavailableError(`PostgreSQL does not answer: ${(cause as Error).message}`, { cause });
  }
}
