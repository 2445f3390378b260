export { NetboxApplier, emptyCounts, type ApplyCounts, type ApplyOptions, type Gone } from './apply';
export { devicesUrl, listNetboxDevices, type ListOptions, type NetboxListing } from './client';
export { NetboxErrorCodes } from './codes';
export {
  DEFAULT_PORTS,
  netboxConfigShape,
  netboxPlatformSchema,
  netboxSourceSchema,
  type NetboxPlatform,
  type NetboxSource,
} from './config';
export { NetboxListingChangedError, NetboxListingInvalidError, NetboxListingTooLargeError, NetboxSyncRefusedError } from './errors';
export { netboxSyncJob } from './jobs';
export { deviceIdFor, mapNetboxDevice, type Mapped, type Unusable } from './mapping';
export { netboxMetrics, type NetboxMetrics } from './metrics';
export { isDeviceWebhook, netboxDeviceSchema, netboxPageSchema, netboxTime, netboxWebhookSchema, type NetboxWebhook } from './model';
export { NetboxStore, SYNCS_KEPT, type NetboxObjectRecord, type NetboxSyncRecord } from './store';
export { netboxSyncWorker, type NetboxSyncDeps, type SyncCounts } from './sync';
export { netboxWebhookHandler, type NetboxWebhookDeps } from './webhook';
