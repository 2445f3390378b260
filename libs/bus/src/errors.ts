import { PERMANENT, RETRYABLE, SwitchTelemetryError } from '@switch-telemetry/errors';
import { BusErrorCodes } from './codes';

/** NATS does not answer (first connect failed, or the connection is down). */
export class BusUnavailableError extends SwitchTelemetryError {
  readonly code = BusErrorCodes.UNAVAILABLE;
  readonly classification = RETRYABLE;
}

/** JetStream did not acknowledge a publish; the message may not be stored. */
export class PublishError extends SwitchTelemetryError {
  readonly code = BusErrorCodes.PUBLISH_FAILED;
  readonly classification = RETRYABLE;
}

/**
 * An existing stream differs from the wanted one in a setting JetStream
 * cannot change in place (retention, storage). Changing it would mean
 * deleting data, which provisioning never does.
 */
export class StreamConflictError extends SwitchTelemetryError {
  readonly code = BusErrorCodes.STREAM_CONFLICT;
  readonly classification = PERMANENT;
}

/** A device id or other subject token that would break the subject scheme. */
export class InvalidSubjectTokenError extends SwitchTelemetryError {
  readonly code = BusErrorCodes.INVALID_SUBJECT_TOKEN;
  readonly classification = PERMANENT;
}
