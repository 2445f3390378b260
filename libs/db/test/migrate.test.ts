import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createLogger } from '@switch-telemetry/logging';
import { MigrationChangedError, MigrationFailedError, migrate, migrationDirs, readMigrations } from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const log = createLogger({ app: 'test', level: 'silent' });

describe('migrations against the real PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('applies the repo migrations once, even when two migrators race', async () => {
    const [first, second] = await Promise.all([migrate(db.pool, log), migrate(db.pool, log)]);
    const all = readMigrations().map((m) => m.name);
    expect([...first, ...second].sort()).toEqual(all);
    expect(await migrate(db.pool, log)).toEqual([]);
    const rows = await db.pool.query('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.rows.map((r) => r.name)).toEqual(all);
  });

  it('creates a devices table that refuses ids that cannot be subject tokens', async () => {
    await db.pool.query(
      `INSERT INTO devices (id, name, protocol, address, port) VALUES ('leaf-01', 'Leaf 1', 'gnmi', '127.10.0.1', 57400)`,
    );
    await db.pool.query(
      `INSERT INTO device_subscriptions (device_id, name, paths, mode, interval_ms) VALUES ('leaf-01', 'interfaces', ARRAY['/interfaces'], 'sample', 10000)`,
    );
    await expect(
      db.pool.query(`INSERT INTO devices (id, name, protocol, address, port) VALUES ('leaf.02', 'x', 'gnmi', 'h', 1)`),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      db.pool.query(`INSERT INTO devices (id, name, protocol, address, port) VALUES ('leaf-03', 'x', 'snmp', 'h', 1)`),
    ).rejects.toMatchObject({ code: '23514' });
    await db.pool.query(`DELETE FROM devices WHERE id = 'leaf-01'`);
    const subs = await db.pool.query(`SELECT count(*)::int AS n FROM device_subscriptions`);
    expect(subs.rows[0].n).toBe(0);
  });

  it('takes the migrations of every project, each table beside the lib that owns it', () => {
    const names = readMigrations().map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['0001_devices', '0002_dead_jobs', '0004_outbox']));
    expect(
      migrationDirs()
        .map((d) => relative(resolve(__dirname, '..', '..', '..'), d))
        .sort(),
    ).toEqual(expect.arrayContaining(['libs/inventory/migrations', 'libs/jobs/migrations', 'libs/outbox/migrations']));
  });

  it('accepts a database that recorded 0001_devices before its comment was edited', async () => {
    await db.pool.query(
      `UPDATE schema_migrations SET checksum = '94f9086e99687878b0101ee3b329e5601eddbb6b4aa17e5063c6517be8c0b5a7' WHERE name = '0001_devices'`,
    );
    expect(await migrate(db.pool, log)).toEqual([]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited', accepted: [] } : m));
    await expect(migrate(db.pool, log, edited)).rejects.toBeInstanceOf(MigrationChangedError);
  });

  it('rolls back a failing migration and records nothing of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-mig-'));
    writeFileSync(join(dir, '9001_half.sql'), 'CREATE TABLE half_done (id int); SELECT no_such_function();');
    const broken = [...readMigrations(), ...readMigrations(dir)];
    await expect(migrate(db.pool, log, broken)).rejects.toBeInstanceOf(MigrationFailedError);
    const table = await db.pool.query(`SELECT to_regclass('half_done') AS t`);
    expect(table.rows[0].t).toBeNull();
    const recorded = await db.pool.query(`SELECT 1 FROM schema_migrations WHERE name = '9001_half'`);
    expect(recorded.rowCount).toBe(0);
  });
});

describe('migrations split or re-commented after they ran', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db.drop();
  });

  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'st-mig-'));
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return dir;
  };

  it('records the parts of a split migration as applied where the whole one ran, and runs them where it did not', async () => {
    const before = folder({ '0001_both.sql': '-- two tables\nCREATE TABLE mig_a (id int);\nCREATE TABLE mig_b (id int);\n' });
    expect(await migrate(db.pool, log, readMigrations(before))).toEqual(['0001_both']);
    const after = [
      folder({ '0001_a.sql': '-- migrate:applied-as 0001_both\nCREATE TABLE mig_a (id int);\n' }),
      folder({ '0001_b.sql': '-- migrate:applied-as 0001_both\nCREATE TABLE mig_b (id int);\n' }),
    ];
    // Running them again would fail (the tables exist): they are recorded, not run.
    expect(await migrate(db.pool, log, readMigrations(after))).toEqual([]);
    const rows = await db.pool.query(`SELECT name FROM schema_migrations WHERE name LIKE '0001_%' ORDER BY name`);
    expect(rows.rows.map((r) => r.name)).toEqual(['0001_a', '0001_b', '0001_both']);

    const fresh = await createTestDatabase({ migrated: false });
    try {
      expect(await migrate(fresh.pool, log, readMigrations(after))).toEqual(['0001_a', '0001_b']);
      expect((await fresh.pool.query(`SELECT to_regclass('mig_b') AS t`)).rows[0].t).toBe('mig_b');
    } finally {
      await fresh.drop();
    }
  });

  it('takes an edited comment as the same migration, and an edited statement as a change', async () => {
    expect(await migrate(db.pool, log, readMigrations(folder({ '0002_c.sql': '-- first words\nCREATE TABLE mig_c (id int);\n' })))).toEqual(
      ['0002_c'],
    );
    expect(
      await migrate(db.pool, log, readMigrations(folder({ '0002_c.sql': '-- other words\n\nCREATE TABLE mig_c (id int);\n' }))),
    ).toEqual([]);
    await expect(
      migrate(db.pool, log, readMigrations(folder({ '0002_c.sql': 'CREATE TABLE mig_c (id bigint);\n' }))),
    ).rejects.toBeInstanceOf(MigrationChangedError);
  });

  it('refuses one migration name in two folders', () => {
    const sql = { '0003_d.sql': 'SELECT 1;' };
    expect(() => readMigrations([folder(sql), folder(sql)])).toThrow(/0003_d.sql is in two places/);
  });
});
