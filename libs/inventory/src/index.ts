export { canonicalJson } from './canonical';
export { MIN_IPV4_PREFIX, MIN_IPV6_PREFIX, normalizeCidr } from './cidr';
export { InventoryErrorCodes } from './codes';
export { cidrSchema } from './cidr-schema';
export { deviceEventsLane, recordDeviceEvent, recordDeviceEvents } from './device-events';
export { securityChanges } from './device-security';
export {
  DeviceRepository,
  deviceInputOf,
  loadProfiles,
  missingProfiles,
  type ChangeOptions,
  type DeviceFilter,
  type ProfileMap,
} from './device-repository';
export { ProfileRepository } from './profiles';
export {
  DeviceConflictError,
  DeviceNotFoundError,
  InvalidCidrError,
  InvalidDeviceError,
  ProfileInUseError,
  ProfileVersionConflictError,
} from './errors';
export { DISCOVERY_SCAN_SPEC, discoveryScanJob, webhookMemoryPruneJob, webhookProcessJob } from './jobs';
export { pruneWebhookMemory, type PruneResult } from './webhook-memory';
export {
  WEBHOOK_CLOCK_SKEW_MS,
  WEBHOOK_CONTENT_WINDOW_MS,
  WEBHOOK_DELIVERY_RETENTION_MS,
  webhookDeliveriesCounter,
  webhookPayloadSchemas,
  rememberDelivery,
  webhookProcessor,
  type Claim,
  type DeliveryMemory,
  type WebhookArgs,
  type WebhookHandler,
  type WebhookDeliveryOutcome,
  type WebhookProcessorDeps,
} from './webhook-processing';
