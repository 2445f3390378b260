export { MIN_IPV4_PREFIX, MIN_IPV6_PREFIX, normalizeCidr } from './cidr';
export { InventoryErrorCodes } from './codes';
export {
  PROTOCOLS,
  SUBSCRIPTION_MODES,
  cidrSchema,
  deviceIdSchema,
  deviceInputSchema,
  devicePatchSchema,
  hostKeySchema,
  subscriptionSchema,
  tlsSchema,
  type Device,
  type DeviceInput,
  type DevicePatch,
  type Subscription,
} from './device';
export { publishDeviceEvent, type DeviceEventBody } from './device-events';
export { DeviceRepository, type DeviceFilter } from './device-repository';
export { DeviceConflictError, DeviceNotFoundError, InvalidCidrError } from './errors';
export { discoveryScanJob, webhookProcessJob } from './jobs';
export { webhookPayloadSchemas, webhookProcessor, type WebhookArgs, type WebhookProcessorDeps } from './webhook-processing';
