import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@switch-telemetry/logging';
import { MigrationChangedError, MigrationFailedError, migrate, readMigrations } from '../src';
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

  it('refuses to run when an applied migration was edited', async () => {
    const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
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
