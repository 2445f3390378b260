export { busConfigShape } from './config';
export { BusErrorCodes } from './codes';
export {
  NATS_CONNECT_TIMEOUT_MS,
  NATS_RECONNECT_JITTER_MS,
  NATS_RECONNECT_WAIT_MS,
  connectBus,
  type Bus,
  type BusConnectOptions,
} from './connection';
export { BusUnavailableError, InvalidSubjectTokenError, PublishError, StreamConflictError } from './errors';
export { ensureBucket, ensureStream, provisionTopology, type ProvisionOutcome } from './provision';
export { PUBLISH_TIMEOUT_MS, publishJson, type PubAck, type PublishOptions } from './publish';
export { JetStreamPublisher, type PublishCallback } from './publisher';
export { openBucket } from './buckets';
export { kvDelete, kvPut, type KvWriteOptions } from './kv-writes';
export {
  COLLECTOR_HEARTBEAT_TTL_MS,
  EVENTS_DUPLICATE_WINDOW_MS,
  JOBS_DUPLICATE_WINDOW_MS,
  assertQueueName,
  assertSubjectPath,
  assertSubjectToken,
  createTopology,
  type BucketSpec,
  type DeviceEvent,
  type SessionEvent,
  type StreamSpec,
  type Topology,
  type TopologyOptions,
} from './topology';
