export { PERMANENT, RETRYABLE, UNKNOWN, type Classification } from './classification';
export { classify, mayRetry } from './classify';
export { ErrorCodes } from './codes';
export { SwitchTelemetryError, errorClass, isSwitchTelemetryError, type ErrorOptions } from './switch-telemetry-error';
export { TimeoutError, withTimeout } from './timeout';
export { assertUniqueCodes } from './unique-codes';
export { HTTP_BACKOFF, backoffDelayMs, requestedDelayMs, type BackoffPolicy } from './backoff';
