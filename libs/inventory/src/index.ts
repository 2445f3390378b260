export { MIN_IPV4_PREFIX, MIN_IPV6_PREFIX, normalizeCidr } from './cidr';
export { InventoryErrorCodes } from './codes';
export { cidrSchema } from './cidr-schema';
export { deviceEventsLane, recordDeviceEvent } from './device-events';
export { securityChanges } from './device-security';
export { DeviceRepository, type ChangeOptions, type DeviceFilter } from './device-repository';
export { DeviceConflictError, DeviceNotFoundError, InvalidCidrError, InvalidDeviceError } from './errors';
export { DISCOVERY_SCAN_SPEC, discoveryScanJob, webhookMemoryPruneJob, webhookProcessJob } from './jobs';
export { pruneWebhookMemory, type PruneResult } from './webhook-memory';
export {
  WEBHOOK_CLOCK_SKEW_MS,
  WEBHOOK_CONTENT_WINDOW_MS,
  WEBHOOK_DELIVERY_RETENTION_MS,
  webhookDeliveriesCounter,
  webhookPayloadSchemas,
  webhookProcessor,
  type WebhookArgs,
  type WebhookDeliveryOutcome,
  type WebhookProcessorDeps,
} from './webhook-processing';
