import { PERMANENT, RETRYABLE, errorClass } from '@switch-telemetry/errors';
import { DbErrorCodes } from './codes';

/** PostgreSQL does not answer (connect failed or timed out). */
export class DbUnavailableError extends errorClass(DbErrorCodes.UNAVAILABLE, RETRYABLE) {}

/** A migration that was applied has been edited since: history must not change. */
export class MigrationChangedError extends errorClass(DbErrorCodes.MIGRATION_CHANGED, PERMANENT) {}

/** A migration's SQL failed; it was rolled back. */
export class MigrationFailedError extends errorClass(DbErrorCodes.MIGRATION_FAILED, PERMANENT) {}

// Errors that mean "PostgreSQL cannot be reached or will not serve now", as
// opposed to a statement that failed: socket errors, the pool's connect
// timeout, a connection that ended, and SQLSTATE class 08 (connection
// exception), 57P01-57P03 (shut down, crashed, starting) and 53300 (too many
// connections).
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i;

/** True when an error from `pg` (or our probe) means the database is unavailable, so the caller should retry later. */
export function isDbUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DbUnavailableError) return true;
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SOCKET_CODES.has(code) || code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code)))
      return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDbUnavailable(inner))) return true;
  }
  return false;
}
