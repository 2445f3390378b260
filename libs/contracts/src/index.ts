export {
  MAX_PATHS_PER_SUBSCRIPTION,
  MAX_SUBSCRIPTIONS,
  MAX_TAGS,
  PROTOCOLS,
  PROTOCOL_MODES,
  SUBSCRIPTION_MODES,
  credentialNameSchema,
  deviceInputSchema,
  devicePatchSchema,
  deviceRecordSchema,
  deviceReplaceSchema,
  deviceSchema,
  hostKeySchema,
  subscriptionSchema,
  tlsSchema,
  type Device,
  type DeviceInput,
  type DevicePatch,
  type Subscription,
} from './device';
export {
  ALERT_KINDS,
  DEVICE_EVENTS,
  SESSION_EVENTS,
  deviceEventBodySchema,
  restartRequest,
  restartRequestSchema,
  sessionEventBodySchema,
  telemetryDroppedBodySchema,
  webhookEventBodySchema,
  type AlertKind,
  type DeviceEvent,
  type SessionEvent,
  type DeviceEventBody,
  type RestartRequest,
  type SessionEventBody,
  type TelemetryDroppedBody,
  type WebhookEventBody,
} from './events';
export { QUEUES, discoveryScanArgsSchema, sessionCleanupArgsSchema, webhookProcessArgsSchema, type QueueName } from './jobs';
export { SESSION_STATES, sessionFailureSchema, sessionStatusSchema, type SessionFailure, type SessionState, type SessionStatus } from './session';
export { deviceIdSchema, subscriptionNameSchema, telemetryMessageSchema, type JsonValue, type TelemetryMessage } from './telemetry-message';
export { PUBLISHED_SCHEMAS, SCHEMA_BASE_URL, renderSchemas } from './schemas';
