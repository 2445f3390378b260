import { backoffDelayMs, type BackoffPolicy } from '@switch-telemetry/errors';
import type { Logger } from '@switch-telemetry/logging';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
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

// Pull failures (NATS down): 100 ms, 200 ms ... 5 s between tries.
const PULL_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 5_000, jitter: 0.5 };

/**
 * Takes a durable consumer's messages for as long as it runs, handing each to `onMessage` as it arrives
 * (the consumer's max ack pending bounds how many are out at once); a failed pull (NATS down) is tried again
 * after a backoff. `stop()` ends the pull and resolves once the loop has left.
 */
export class ConsumeLoop {
  private messages: ConsumerMessages | undefined;
  private stopping = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer,
    private readonly maxMessages: number,
    private readonly onMessage: (msg: JsMsg) => void,
    private readonly log: Logger,
    /** What a failed pull is logged as (`pulling jobs failed`). */
    private readonly failure: string,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop();
    await this.done;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        this.messages = await this.consumer.consume({ max_messages: this.maxMessages });
        for await (const msg of this.messages) {
          this.onMessage(msg);
          failures = 0;
        }
      } catch (err) {
        if (this.stopping) break;
        failures += 1;
        this.log.warn({ err }, `${this.failure}; trying again`);
        await new Promise((r) => setTimeout(r, backoffDelayMs(PULL_BACKOFF, failures, this.random)));
      } finally {
        this.messages = undefined;
      }
    }
  }
}
