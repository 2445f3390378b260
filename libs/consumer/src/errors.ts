/** Stable codes of the errors this package throws (match on `code`, not on the message). */
export const ConsumerErrorCodes = {
  invalidMessage: 'TELEMETRY_INVALID_MESSAGE',
  invalidSubject: 'TELEMETRY_INVALID_SUBJECT',
  invalidOptions: 'TELEMETRY_INVALID_OPTIONS',
  consumerConflict: 'TELEMETRY_CONSUMER_CONFLICT',
  timeout: 'TELEMETRY_TIMEOUT',
} as const;
export type ConsumerErrorCode = (typeof ConsumerErrorCodes)[keyof typeof ConsumerErrorCodes];

/** Base class of every error of this package. */
export class TelemetryConsumerError extends Error {
  constructor(
    readonly code: ConsumerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A message body that is not a telemetry message (not JSON, or not version 1 of the schema). */
export class InvalidTelemetryMessageError extends TelemetryConsumerError {
  constructor(
    message: string,
    /** Where in the message it failed (`updates.0.path`), `(root)` for the whole body. */
    readonly issues: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(ConsumerErrorCodes.invalidMessage, message, options);
  }
}

/** A device, subscription, namespace or subject that does not fit `[<ns>.]telemetry.<device>.<subscription>`. */
export class InvalidSubjectError extends TelemetryConsumerError {
  constructor(message: string) {
    super(ConsumerErrorCodes.invalidSubject, message);
  }
}

/** Options of the consumer that cannot work (a zero in-flight bound, an empty durable name, …). */
export class InvalidConsumerOptionsError extends TelemetryConsumerError {
  constructor(message: string) {
    super(ConsumerErrorCodes.invalidOptions, message);
  }
}

/** The durable consumer exists with a filter subject other than the one asked for (NATS 2.9 cannot change it). */
export class ConsumerConflictError extends TelemetryConsumerError {
  constructor(message: string) {
    super(ConsumerErrorCodes.consumerConflict, message);
  }
}

/** A bounded wait ran out. */
export class TelemetryTimeoutError extends TelemetryConsumerError {
  constructor(what: string, ms: number) {
    super(ConsumerErrorCodes.timeout, `${what} did not finish within ${ms} ms`);
  }
}

/** `promise`, or a TelemetryTimeoutError after `ms` (the timer never keeps the process alive). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TelemetryTimeoutError(what, ms)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
