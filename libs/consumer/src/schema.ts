// The telemetry message schema is SwitchTelemetry's own (libs/contracts); the
// build bundles it into this package, so the published package needs no
// internal package at run time (scripts/build.mjs checks that).
export {
  deviceIdSchema,
  subscriptionNameSchema,
  telemetryMessageSchema,
  type JsonValue,
  type TelemetryMessage,
} from '@switch-telemetry/contracts';
