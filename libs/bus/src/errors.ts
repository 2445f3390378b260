import { PERMANENT, RETRYABLE, errorClass } from '@switch-telemetry/errors';
import { BusErrorCodes } from './codes';

/** NATS does not answer (first connect failed, or the connection is down). */
export class BusUnavailableError extends errorClass(BusErrorCodes.UNAVAILABLE, RETRYABLE) {}

/** JetStream did not acknowledge a publish; the message may not be stored. */
export class PublishError extends errorClass(BusErrorCodes.PUBLISH_FAILED, RETRYABLE) {}

/**
 * An existing stream differs from the wanted one in a setting JetStream
 * cannot change in place (retention, storage). Changing it would mean
 * deleting data, which provisioning never does.
 */
export class StreamConflictError extends errorClass(BusErrorCodes.STREAM_CONFLICT, PERMANENT) {}

/** A device id or other subject token that would break the subject scheme. */
export class InvalidSubjectTokenError extends errorClass(BusErrorCodes.INVALID_SUBJECT_TOKEN, PERMANENT) {}
