import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from '@switch-telemetry/logging';
import { MigrationChangedError, MigrationFailedError } from './errors';

/**
 * The repo's migrations: forward-only SQL files, applied in name order.
 * `$MIGRATIONS_DIR` when set; else beside the code: `migrations/` next to a
 * bundle (the build copies them there), or `libs/db/migrations` in the repo.
 */
export const MIGRATIONS_DIR =
  process.env.MIGRATIONS_DIR ?? [resolve(__dirname, 'migrations'), resolve(__dirname, '..', 'migrations')].find((d) => existsSync(d)) ?? resolve(__dirname, '..', 'migrations');

// Any constant works; it only has to be the same for every migrator.
const MIGRATION_LOCK_KEY = 0x5717_0001;
const FILE_NAME = /^\d{4}_[a-z0-9_]+\.sql$/;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** Reads `NNNN_name.sql` files, sorted; other files are ignored. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => FILE_NAME.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return { name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the migrations not yet applied, each in its own transaction, under
 * an advisory lock so replicas starting together migrate once. An applied
 * migration whose file changed is an error. Returns the names applied now.
 */
export async function migrate(pool: Pool, log: Logger, migrations = readMigrations()): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map(
      (await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations')).rows.map((r) => [
        r.name,
        r.checksum,
      ]),
    );
    for (const migration of migrations) {
      const checksum = done.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new MigrationChangedError(`migration ${migration.name} was applied and has changed since; add a new migration instead`, {
            details: { migration: migration.name },
          });
        }
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [migration.name, migration.checksum]);
        await client.query('COMMIT');
      } catch (cause) {
        await client.query('ROLLBACK');
        throw new MigrationFailedError(`migration ${migration.name} failed and was rolled back`, {
          cause,
          details: { migration: migration.name },
        });
      }
      applied.push(migration.name);
      log.info({ migration: migration.name }, 'migration applied');
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
