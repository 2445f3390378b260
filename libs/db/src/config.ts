import { durationMs, integer, secret, url } from '@switch-telemetry/config';

/** The environment variables of the db lib; every app that uses PostgreSQL includes them. */
export const dbConfigShape = {
  DATABASE_URL: url('postgres://127.0.0.1:5432/switch_telemetry', ['postgres', 'postgresql']),
  /** Overrides the URL's password; usually DATABASE_PASSWORD_FILE from a Secret. */
  DATABASE_PASSWORD: secret().optional(),
  DB_POOL_MAX: integer(10, 1, 1_000),
  DB_CONNECT_TIMEOUT_MS: durationMs(5_000),
  DB_STATEMENT_TIMEOUT_MS: durationMs(10_000),
  DB_IDLE_TIMEOUT_MS: durationMs(30_000),
};
