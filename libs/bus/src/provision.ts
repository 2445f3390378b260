import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from '@switch-telemetry/logging';
import { StreamConflictError } from './errors';
import type { BucketSpec, StreamSpec, Topology } from './topology';

export type ProvisionOutcome = 'created' | 'updated' | 'unchanged';

// The settings we own on a stream, as JetStream spells them.
type Owned = Pick<StreamConfig, 'subjects' | 'max_age' | 'max_bytes' | 'duplicate_window' | 'discard' | 'num_replicas'>;

function ownedConfig(spec: StreamSpec): Owned {
  return {
    subjects: spec.subjects,
    max_age: nanos(spec.maxAgeMs),
    max_bytes: spec.maxBytes,
    duplicate_window: nanos(spec.duplicateWindowMs),
    discard: DiscardPolicy.Old,
    // Raised or lowered in place on a cluster (JetStream moves the copies).
    num_replicas: spec.replicas,
  };
}

function differs(current: StreamConfig, wanted: Owned): Array<keyof Owned> {
  return (Object.keys(wanted) as Array<keyof Owned>).filter((key) => JSON.stringify(current[key]) !== JSON.stringify(wanted[key]));
}

function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}

/**
 * Creates the stream, or updates the settings we own when they changed.
 * Never deletes or purges: a change JetStream cannot make in place
 * (retention, storage) is a StreamConflictError for a human to resolve.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<ProvisionOutcome> {
  const wanted = ownedConfig(spec);
  const retention = spec.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits;
  let current: StreamConfig;
  try {
    current = (await jsm.streams.info(spec.name)).config;
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    await jsm.streams.add({ name: spec.name, retention, storage: StorageType.File, ...wanted });
    return 'created';
  }
  if (current.retention !== retention || current.storage !== StorageType.File) {
    throw new StreamConflictError(
      `stream ${spec.name} exists with retention ${current.retention} / storage ${current.storage}; ` +
        `wanted ${retention} / file. JetStream cannot change that in place; migrate it by hand.`,
      { details: { stream: spec.name } },
    );
  }
  const changed = differs(current, wanted);
  if (changed.length === 0) return 'unchanged';
  await jsm.streams.update(spec.name, { ...current, ...wanted });
  return 'updated';
}

/** Creates the KV bucket, or updates its TTL, history and replicas when they changed. Never deletes. */
export async function ensureBucket(jsm: JetStreamManager, spec: BucketSpec): Promise<ProvisionOutcome> {
  const streamName = `KV_${spec.name}`;
  let existed = true;
  try {
    await jsm.streams.info(streamName);
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    existed = false;
  }
  if (!existed) {
    await new Kvm(jsm.jetstream()).create(spec.name, { ttl: spec.ttlMs, history: spec.history, replicas: spec.replicas });
    return 'created';
  }
  const current = (await jsm.streams.info(streamName)).config;
  const wanted = { max_age: nanos(spec.ttlMs), max_msgs_per_subject: spec.history, num_replicas: spec.replicas };
  if (
    current.max_age === wanted.max_age &&
    current.max_msgs_per_subject === wanted.max_msgs_per_subject &&
    current.num_replicas === wanted.num_replicas
  ) {
    return 'unchanged';
  }
  await jsm.streams.update(streamName, { ...current, ...wanted });
  return 'updated';
}

/** Idempotent start-up provisioning of every stream and bucket of the topology. */
export async function provisionTopology(jsm: JetStreamManager, topology: Topology, log: Logger): Promise<Record<string, ProvisionOutcome>> {
  const outcomes: Record<string, ProvisionOutcome> = {};
  for (const spec of Object.values(topology.streams)) {
    outcomes[spec.name] = await ensureStream(jsm, spec);
  }
  for (const spec of Object.values(topology.buckets)) {
    outcomes[`KV_${spec.name}`] = await ensureBucket(jsm, spec);
  }
  const changed = Object.entries(outcomes).filter(([, o]) => o !== 'unchanged');
  if (changed.length > 0) log.info({ provisioned: Object.fromEntries(changed) }, 'jetstream provisioned');
  return outcomes;
}
