import { PERMANENT, RETRYABLE, UNKNOWN, errorClass } from '@switch-telemetry/errors';
import { JobErrorCodes } from './codes';

/** Enqueue-time argument validation failed; `details.issues` names each field. Never reaches the queue. */
export class InvalidJobArgsError extends errorClass(JobErrorCodes.INVALID_ARGS, PERMANENT) {}

/** A job type, worker or schedule that cannot work as defined (bad name, unknown queue, bad cron). */
export class InvalidJobDefinitionError extends errorClass(JobErrorCodes.INVALID_DEFINITION, PERMANENT) {}

/** JetStream did not store the job. */
export class EnqueueError extends errorClass(JobErrorCodes.ENQUEUE_FAILED, RETRYABLE) {}

/** `perform` ran past the job's timeout; counts as a failed attempt. */
export class JobTimeoutError extends errorClass(JobErrorCodes.TIMEOUT, RETRYABLE) {}

/** The job came back after its ack wait without an outcome: the process running it stopped or died. */
export class ProcessDiedError extends errorClass(JobErrorCodes.PROCESS_DIED, UNKNOWN) {}

/** `perform` asked to discard the job (or it can never succeed). */
export class DiscardedError extends errorClass(JobErrorCodes.DISCARDED, PERMANENT) {}

/** No dead job with that id. */
export class DeadJobNotFoundError extends errorClass(JobErrorCodes.NOT_FOUND, PERMANENT) {}
