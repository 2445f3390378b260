import { PERMANENT, RETRYABLE, errorClass, type Classification, type ErrorOptions } from '@switch-telemetry/errors';
import { HttpErrorCodes } from './codes';

/** At most this much of an error body is kept on the error (logs, dead letters). */
export const BODY_EXCERPT_BYTES = 1_024;

/**
 * 5xx, 408, 425 (Too Early: RFC 8470 §5.2 invites a retry) and 429 may
 * succeed later; every other 4xx (and a 3xx we do not follow) will not.
 */
export function classifyStatus(status: number): Classification {
  if (status >= 500 || status === 408 || status === 425 || status === 429) return RETRYABLE;
  return PERMANENT;
}

/** The server answered with a status that is not 2xx. */
export class HttpStatusError extends errorClass(HttpErrorCodes.STATUS, PERMANENT) {
  override readonly classification: Classification;
  constructor(
    readonly status: number,
    readonly bodyExcerpt: string,
    readonly origin: string,
    /** The server's Retry-After (429, 503), in ms; the job runtime honours it too. */
    readonly retryAfterMs?: number,
  ) {
    super(`${origin} answered ${status}`, {
      details: { status, origin, bodyExcerpt, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    });
    this.classification = classifyStatus(status);
  }
}

export type ConnectionPhase = 'connect' | 'socket';

/** No answer because the connection failed: refused, reset, unreachable, TLS. */
export class ConnectionError extends errorClass(HttpErrorCodes.CONNECTION, RETRYABLE) {
  constructor(
    message: string,
    /** `connect`: the request was never sent, so even a POST may be retried. */
    readonly phase: ConnectionPhase,
    options: ErrorOptions = {},
  ) {
    super(message, options);
  }
}

export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'deadline';

/** A wait ran out: connecting, waiting for headers, reading the body, or the request's total deadline. */
export class TimeoutError extends errorClass(HttpErrorCodes.TIMEOUT, RETRYABLE) {
  constructor(
    message: string,
    readonly phase: TimeoutPhase,
    options: ErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The breaker of this origin is open: failing fast without touching the network. */
export class CircuitOpenError extends errorClass(HttpErrorCodes.CIRCUIT_OPEN, RETRYABLE) {
  constructor(
    readonly origin: string,
    /** Until the breaker lets a trial request through. */
    readonly retryAfterMs: number,
  ) {
    super(`circuit to ${origin} is open; next trial in ${retryAfterMs} ms`, { details: { origin, retryAfterMs } });
  }
}

/** A 2xx body that is not what was expected (not JSON when JSON was asked for). */
export class DecodeError extends errorClass(HttpErrorCodes.DECODE, PERMANENT) {}

/** The response body is larger than the client accepts. */
export class ResponseTooLargeError extends errorClass(HttpErrorCodes.RESPONSE_TOO_LARGE, PERMANENT) {}

/** The caller aborted the request. */
export class AbortedError extends errorClass(HttpErrorCodes.ABORTED, PERMANENT) {}

/** The request itself is malformed (bad URL, body and json both set). */
export class InvalidRequestError extends errorClass(HttpErrorCodes.INVALID_REQUEST, PERMANENT) {}
