import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from '@switch-telemetry/logging';
import { MigrationChangedError, MigrationFailedError } from './errors';

/**
 * Where the migrations are. Each lib (or app) keeps the migrations of the
 * tables it owns in its own `migrations/` folder; they form one sequence,
 * applied in file-name order. `$MIGRATIONS_DIR` when set (one folder, or
 * several separated by ':'); else `migrations/` next to a bundle (the build
 * copies every folder there), or every `libs/<lib>/migrations` and
 * `apps/<app>/migrations` of the repository.
 */
export function migrationDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.MIGRATIONS_DIR) return env.MIGRATIONS_DIR.split(':').filter((d) => d !== '');
  const bundled = resolve(__dirname, 'migrations');
  if (existsSync(bundled)) return [bundled];
  const repo = resolve(__dirname, '..', '..', '..');
  return ['libs', 'apps'].flatMap((kind) => {
    const root = join(repo, kind);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .map((project) => join(root, project, 'migrations'))
      .filter((dir) => existsSync(dir));
  });
}

// Any constant works; it only has to be the same for every migrator.
const MIGRATION_LOCK_KEY = 0x5717_0001;
const FILE_NAME = /^\d{4}_[a-z0-9_]+\.sql$/;
/** `-- migrate:applied-as <name>`: this file is part of an older migration that was split; where that one ran, this one did. */
const APPLIED_AS = /^-- migrate:applied-as ([0-9a-z_]+)$/gm;

/**
 * Checksums of migrations whose comments were edited after they were
 * applied somewhere: the checksum those databases recorded, which stays
 * valid. Only comments may change this way (the checksum ignores them now).
 */
const EARLIER_CHECKSUMS: Record<string, string[]> = {
  '0001_devices': ['94f9086e99687878b0101ee3b329e5601eddbb6b4aa17e5063c6517be8c0b5a7'],
};

export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of the SQL without whole-line comments and blank lines: editing a comment is not a change. */
  checksum: string;
  /** Checksums an applied copy may carry and still be this migration (the raw file's, and earlier ones). */
  accepted: string[];
  /** Older migrations that, where applied, already did what this one does. */
  appliedAs: string[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function statements(sql: string): string {
  return sql
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !line.trimStart().startsWith('--'))
    .join('\n');
}

/** Reads `NNNN_name.sql` files of every folder, sorted by name (a name twice is an error); other files are ignored. */
export function readMigrations(dirs: string | string[] = migrationDirs()): Migration[] {
  const found = new Map<string, string>();
  for (const dir of typeof dirs === 'string' ? [dirs] : dirs) {
    for (const file of readdirSync(dir).filter((f) => FILE_NAME.test(f))) {
      const other = found.get(file);
      if (other !== undefined && other !== join(dir, file))
        throw new Error(`migration ${file} is in two places: ${other} and ${join(dir, file)}`);
      found.set(file, join(dir, file));
    }
  }
  return [...found.keys()].sort().map((file) => {
    const sql = readFileSync(found.get(file)!, 'utf8');
    const name = file.replace(/\.sql$/, '');
    return {
      name,
      sql,
      checksum: sha256(statements(sql)),
      accepted: [sha256(sql), ...(EARLIER_CHECKSUMS[name] ?? [])],
      appliedAs: [...sql.matchAll(APPLIED_AS)].map((m) => m[1]!),
    };
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
        if (checksum !== migration.checksum && !migration.accepted.includes(checksum)) {
          throw new MigrationChangedError(`migration ${migration.name} was applied and has changed since; add a new migration instead`, {
            details: { migration: migration.name },
          });
        }
        continue;
      }
      const earlier = migration.appliedAs.find((name) => done.has(name));
      if (earlier !== undefined) {
        // Split out of a migration this database already ran: record it without running it again.
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [migration.name, migration.checksum]);
        log.info({ migration: migration.name, appliedAs: earlier }, 'migration recorded as applied (part of an earlier one)');
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
