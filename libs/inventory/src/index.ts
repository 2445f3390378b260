export { MIN_IPV4_PREFIX, MIN_IPV6_PREFIX, normalizeCidr } from './cidr';
export { InventoryErrorCodes } from './codes';
export {
  PROTOCOLS,
  PROTOCOL_MODES,
  SUBSCRIPTION_MODES,
  MAX_PATHS_PER_SUBSCRIPTION,
  MAX_SUBSCRIPTIONS,
  MAX_TAGS,
  cidrSchema,
  credentialNameSchema,
  deviceIdSchema,
  deviceInputSchema,
  deviceSchema,
  devicePatchSchema,
  deviceReplaceSchema,
  hostKeySchema,
  subscriptionSchema,
  tlsSchema,
  type Device,
  type DeviceInput,
  type DevicePatch,
  type Subscription,
} from './device';
export { deviceEventBodySchema, recordDeviceEvent, type DeviceEventBody } from './device-events';
export { securityChanges } from './device-security';
export { DeviceRepository, type ChangeOptions, type DeviceFilter } from './device-repository';
export { DeviceConflictError, DeviceNotFoundError, InvalidCidrError, InvalidDeviceError } from './errors';
export { discoveryScanJob, webhookProcessJob } from './jobs';
export { webhookPayloadSchemas, webhookProcessor, type WebhookArgs, type WebhookProcessorDeps } from './webhook-processing';
