import { PERMANENT, RETRYABLE, SwitchTelemetryError } from '@switch-telemetry/errors';
import { DbErrorCodes } from './codes';

/** PostgreSQL does not answer (connect failed or timed out). */
export class DbUnavailableError extends SwitchTelemetryError {
  readonly code = DbErrorCodes.UNAVAILABLE;
  readonly classification = RETRYABLE;
}

/** A migration that was applied has been edited since: history must not change. */
export class MigrationChangedError extends SwitchTelemetryError {
  readonly code = DbErrorCodes.MIGRATION_CHANGED;
  readonly classification = PERMANENT;
}

/** A migration's SQL failed; it was rolled back. */
export class MigrationFailedError extends SwitchTelemetryError {
  readonly code = DbErrorCodes.MIGRATION_FAILED;
  readonly classification = PERMANENT;
}
