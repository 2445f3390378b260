import { PERMANENT, RETRYABLE, errorClass } from '@switch-telemetry/errors';
import { DbErrorCodes } from './codes';

/** PostgreSQL does not answer (connect failed or timed out). */
export class DbUnavailableError extends errorClass(DbErrorCodes.UNAVAILABLE, RETRYABLE) {}

/** A migration that was applied has been edited since: history must not change. */
export class MigrationChangedError extends errorClass(DbErrorCodes.MIGRATION_CHANGED, PERMANENT) {}

/** A migration's SQL failed; it was rolled back. */
export class MigrationFailedError extends errorClass(DbErrorCodes.MIGRATION_FAILED, PERMANENT) {}
