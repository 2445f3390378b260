import { PERMANENT, RETRYABLE, UNKNOWN, type Classification } from './classification';
import { isSwitchTelemetryError } from './switch-telemetry-error';

// Node's socket-level errno codes that mean "the peer or the path is
// temporarily unavailable": timeouts and refused connections, and their kin.
const RETRYABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/**
 * The one classifier every retry decision asks. Our own errors carry their
 * classification; raw Node errors are judged by errno; anything else is unknown.
 */
export function classify(error: unknown): Classification {
  if (isSwitchTelemetryError(error)) return error.classification;
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_ERRNO.has(code)) return RETRYABLE;
    if (error instanceof Error && error.name === 'AbortError') return RETRYABLE;
  }
  return UNKNOWN;
}

/** True when the classifier says a retry may succeed (retryable or unknown). */
export function mayRetry(error: unknown): boolean {
  return classify(error) !== PERMANENT;
}
