import { createLogger } from '@switch-telemetry/logging';
import { freePort } from '@switch-telemetry/bus/testing';
import { DbUnavailableError, createPool, ensureDatabase, probeDb, withDefaultUser } from '../src';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '../src/testing';
import { Client } from 'pg';

const log = createLogger({ app: 'test', level: 'silent' });

describe('pool', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('answers the probe when PostgreSQL is up', async () => {
    await expect(probeDb(db.pool)).resolves.toBeUndefined();
  });

  it('bounds every statement with the statement timeout', async () => {
    const pool = createPool({ url: db.url, applicationName: 'test', log, statementTimeoutMs: 200 });
    try {
      await expect(pool.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await pool.end();
    }
  });

  it('fails the probe with DbUnavailableError when nothing listens', async () => {
    const port = await freePort();
    const pool = createPool({ url: `postgres://127.0.0.1:${port}/x`, applicationName: 'test', log, connectTimeoutMs: 500 });
    try {
      await expect(probeDb(pool)).rejects.toBeInstanceOf(DbUnavailableError);
    } finally {
      await pool.end();
    }
  });

  it('creates a missing database once', async () => {
    const url = new URL(postgresTestUrl());
    url.pathname = `/${db.name}_extra`;
    try {
      expect(await ensureDatabase(url.toString())).toBe(true);
      expect(await ensureDatabase(url.toString())).toBe(false);
    } finally {
      const admin = new Client({ connectionString: withDefaultUser(postgresTestUrl()) });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${db.name}_extra"`);
      await admin.end();
    }
  });
});
