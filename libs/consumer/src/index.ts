export {
  ConsumerConflictError,
  ConsumerErrorCodes,
  InvalidConsumerOptionsError,
  InvalidSubjectError,
  InvalidTelemetryMessageError,
  TelemetryConsumerError,
  TelemetryTimeoutError,
  type ConsumerErrorCode,
} from './errors';
export { deviceIdSchema, subscriptionNameSchema, telemetryMessageSchema, type JsonValue, type TelemetryMessage } from './schema';
export { decodeTelemetryMessage, dedupeKey, fullPath, numericValue, timestampDate, timestampNanos, type DecodeMode } from './message';
export {
  parseTelemetrySubject,
  telemetryFilterSubject,
  telemetryStreamName,
  telemetrySubject,
  type SubjectOptions,
  type TelemetryFilter,
  type TelemetrySubject,
} from './subjects';
export {
  TelemetryConsumer,
  type DeliveryContext,
  type TelemetryConsumerLogger,
  type TelemetryConsumerOptions,
  type TelemetryConsumerStats,
  type TelemetryHandler,
} from './consumer';
export {
  EXIT_CONFIG,
  EXIT_UNAVAILABLE,
  EnvConfigError,
  envDurable,
  envInt,
  envTokenOrAll,
  loadEnvConfig,
  natsEnvShape,
  runConsumerApp,
  type RunningApp,
} from './app';
