import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createLogger } from '@switch-telemetry/logging';
import { maintenanceUrl } from '../create-database';
import { migrate } from '../migrate';
import { createPool, type Pool } from '../pool';

/** The PostgreSQL server integration tests use: $TEST_DATABASE_URL's server, or local 5432. */
export function postgresTestUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

const HOW_TO_START = 'npm test starts it before the tests; alone: npm run services:up';

/** A fresh database of its own for one test file, migrated unless `migrated: false`. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `st_test_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: maintenanceUrl(postgresTestUrl()), connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not answering at ${postgresTestUrl()} (${(err as Error).message}); ${HOW_TO_START}`, { cause: err });
  }
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresTestUrl());
  url.pathname = `/${name}`;
  const log = createLogger({ app: 'test', level: 'silent' });
  const pool = createPool({ url: url.toString(), applicationName: 'test', log, max: 4 });
  if (options.migrated !== false) await migrate(pool, log);
  return {
    url: url.toString(),
    name,
    pool,
    async drop() {
      await pool.end();
      const dropper = new Client({ connectionString: maintenanceUrl(postgresTestUrl()), connectionTimeoutMillis: 3_000 });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
