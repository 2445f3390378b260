export { DbErrorCodes } from './codes';
export { dbConfigShape } from './config';
export { withDefaultUser } from './connection-string';
export { databaseName, ensureDatabase, maintenanceUrl } from './create-database';
export { DbUnavailableError, MigrationChangedError, MigrationFailedError, isDbUnavailable } from './errors';
export { migrate, migrationDirs, readMigrations, type Migration } from './migrate';
export {
  DB_CONNECT_TIMEOUT_MS,
  DB_IDLE_TIMEOUT_MS,
  DB_POOL_MAX,
  DB_STATEMENT_TIMEOUT_MS,
  createPool,
  probeDb,
  type DbPoolOptions,
  type Pool,
  type PoolClient,
} from './pool';
export { inTransaction } from './transaction';
