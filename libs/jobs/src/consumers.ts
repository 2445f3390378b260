import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export interface ConsumerSpec {
  stream: string;
  name: string;
  filterSubject: string;
  /** Cluster-wide: JetStream hands out at most this many unacknowledged messages over every replica. */
  maxAckPending: number;
  ackWaitMs: number;
  /** Where a new consumer starts (default: the stream's first message); kept as it is on an existing one. */
  deliverPolicy?: DeliverPolicy;
}

/** Creates the durable pull consumer, or updates its limits when they changed (a queue's concurrency, its ack wait). */
export async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const wanted: Partial<ConsumerConfig> = {
    durable_name: spec.name,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: spec.deliverPolicy ?? DeliverPolicy.All,
    max_ack_pending: spec.maxAckPending,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: -1,
  };
  try {
    const current = (await jsm.consumers.info(spec.stream, spec.name)).config;
    if (current.max_ack_pending !== wanted.max_ack_pending || current.ack_wait !== wanted.ack_wait) {
      await jsm.consumers.update(spec.stream, spec.name, { max_ack_pending: wanted.max_ack_pending, ack_wait: wanted.ack_wait });
    }
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(spec.stream, wanted);
  }
}
