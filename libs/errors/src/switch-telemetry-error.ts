import type { Classification } from './classification';

export interface ErrorOptions {
  cause?: unknown;
  /** Extra facts for logs and API answers; never secrets. */
  details?: Record<string, unknown>;
}

/**
 * Base of every error this project throws on purpose. `code` is stable and
 * unique across the project (see each lib's `codes.ts`); callers branch on
 * the class or the code, never on the message.
 */
export abstract class SwitchTelemetryError extends Error {
  abstract readonly code: string;
  abstract readonly classification: Classification;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  /** A JSON-safe view for logs and problem+json bodies. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      classification: this.classification,
      message: this.message,
      ...(Object.keys(this.details).length > 0 ? { details: this.details } : {}),
    };
  }
}

export function isSwitchTelemetryError(value: unknown): value is SwitchTelemetryError {
  return value instanceof SwitchTelemetryError;
}

/**
 * The base for one failure: `class PublishError extends errorClass(Codes.PUBLISH_FAILED, RETRYABLE) {}`.
 * Each failure stays its own class (callers branch with instanceof) without
 * repeating the code/classification boilerplate.
 */
export function errorClass<C extends string>(code: C, classification: Classification) {
  return class extends SwitchTelemetryError {
    readonly code: C = code;
    readonly classification: Classification = classification;
  };
}
