import { status as GrpcStatus } from '@grpc/grpc-js';
import { PERMANENT, RETRYABLE, SwitchTelemetryError, UNKNOWN, errorClass, type Classification } from '@switch-telemetry/errors';
import { GnmiErrorCodes } from './codes';
import { redact, redactedCause } from './redact';

/** A path string that does not parse; `position` is the 0-based offset of the problem. */
export class PathSyntaxError extends errorClass(GnmiErrorCodes.PATH_SYNTAX, PERMANENT) {
  constructor(
    readonly input: string,
    readonly position: number,
    problem: string,
  ) {
    super(`${problem} at position ${position} in "${input.slice(0, 200)}"`, { details: { position } });
  }
}

/** A TypedValue the device sent that cannot be decoded (json_val that is not JSON, ...). */
export class ValueDecodeError extends errorClass(GnmiErrorCodes.VALUE_DECODE, PERMANENT) {}

/** Options that cannot work (a TLS file that cannot be read, a password gRPC cannot carry, ...); never names a secret. */
export class GnmiConfigError extends errorClass(GnmiErrorCodes.CONFIG, PERMANENT) {}

/** The channel did not become ready within the connect timeout. */
export class GnmiConnectError extends errorClass(GnmiErrorCodes.CONNECT, RETRYABLE) {}

// gRPC status → what a retry can do. Auth, bad requests and missing features
// will not change by themselves; unavailability, deadlines and load may.
const PERMANENT_CODES = new Set<number>([
  GrpcStatus.UNAUTHENTICATED,
  GrpcStatus.PERMISSION_DENIED,
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.UNIMPLEMENTED,
  GrpcStatus.NOT_FOUND,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.OUT_OF_RANGE,
]);
const RETRYABLE_CODES = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.INTERNAL,
]);

/** The classification of a gRPC status code. */
export function classifyGrpcStatus(code: number): Classification {
  if (PERMANENT_CODES.has(code)) return PERMANENT;
  if (RETRYABLE_CODES.has(code)) return RETRYABLE;
  return UNKNOWN;
}

/** A gRPC call ended with a status other than OK. */
export class GnmiRpcError extends errorClass(GnmiErrorCodes.RPC, UNKNOWN) {
  override readonly classification: Classification;
  constructor(
    readonly grpcCode: number,
    readonly grpcStatus: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${grpcStatus}: ${message}`, { ...options, details: { grpcCode, grpcStatus } });
    this.classification = classifyGrpcStatus(grpcCode);
  }

  /** True for the statuses that mean the credentials were refused. */
  get isAuthFailure(): boolean {
    return this.grpcCode === GrpcStatus.UNAUTHENTICATED || this.grpcCode === GrpcStatus.PERMISSION_DENIED;
  }
}

/**
 * Turns what grpc-js rejects with into a GnmiRpcError (text is read once,
 * here). `secrets` (the password) are cut out of the message and the cause,
 * should a target or grpc-js repeat them.
 */
export function fromGrpcError(error: unknown, secrets: ReadonlyArray<string | undefined> = []): Error {
  const e = error as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof e?.code === 'number') {
    const name = (GrpcStatus as unknown as Record<number, string>)[e.code] ?? `CODE_${e.code}`;
    const text = typeof e.details === 'string' && e.details ? e.details : String(e.message ?? '');
    return new GnmiRpcError(e.code, name, redact(text, secrets), { cause: redactedCause(error, secrets) });
  }
  if (error instanceof SwitchTelemetryError) return error;
  return redactedCause(error, secrets);
}
