import { RETRYABLE } from './classification';
import { ErrorCodes } from './codes';
import { errorClass } from './switch-telemetry-error';

/** A wait that ran past its limit. Retryable: the same call may answer later. */
export class TimeoutError extends errorClass(ErrorCodes.TIMEOUT, RETRYABLE) {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    options: { cause?: unknown } = {},
  ) {
    super(`${operation} timed out after ${timeoutMs} ms`, { ...options, details: { operation, timeoutMs } });
  }
}

/**
 * Resolves or rejects as `promise` does, or rejects with TimeoutError after
 * `timeoutMs`. The timer never keeps the process alive.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(operation, timeoutMs)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
