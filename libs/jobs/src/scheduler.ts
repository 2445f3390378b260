import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Bus, Topology } from '@switch-telemetry/bus';
import { backoffDelayMs, type BackoffPolicy } from '@switch-telemetry/errors';
import type { Logger } from '@switch-telemetry/logging';
import { undecodableDeadJob, type DeadLetterStore } from './dead-letters';
import { decodeEnvelope, encodeEnvelope, type JobEnvelope } from './envelope';
import { jobIdOf } from './job-id';

// A job due within this much is moved now rather than waiting again.
const DUE_SLACK_MS = 5;
const PUBLISH_TIMEOUT_MS = 5_000;
// Buffered client-side; each is handled in well under a millisecond.
const CONSUME_BATCH = 500;
const RESTART_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 5_000, jitter: 0.5 };

/**
 * Moves waiting jobs (retry backoff, snooze, run-at) to their queue when
 * due. A waiting job is NAKed with the time left, so JetStream itself holds
 * the timer; every replica runs one scheduler on the shared durable consumer
 * and each waiting job is with one of them at a time.
 *
 * Why not NAK-with-delay on the queue itself: a NAKed message stays in the
 * consumer's ack-pending count, so waiting jobs would eat the queue's
 * concurrency. The scheduler's own consumer has a large max ack pending.
 */
export class Scheduler {
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer,
    private readonly bus: Pick<Bus, 'publish'>,
    private readonly topology: Topology,
    private readonly store: DeadLetterStore,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loopDone = this.loop();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        this.messages = await this.consumer.consume({ max_messages: CONSUME_BATCH });
        for await (const msg of this.messages) {
          await this.handle(msg).catch((err) => this.log.warn({ err, seq: msg.seq }, 'moving a waiting job failed; it comes back'));
          failures = 0;
        }
      } catch (err) {
        if (this.stopped) break;
        failures += 1;
        this.log.warn({ err }, 'scheduler consumer failed; restarting');
        await new Promise((r) => setTimeout(r, backoffDelayMs(RESTART_BACKOFF, failures)));
      }
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    let envelope: JobEnvelope;
    try {
      envelope = decodeEnvelope(msg.data);
    } catch (err) {
      await this.store.insert(undecodableDeadJob(msg, err));
      msg.ack();
      return;
    }
    const wait = (envelope.runAt ?? 0) - Date.now();
    if (wait > DUE_SLACK_MS) {
      msg.nak(wait);
      return;
    }
    const due: JobEnvelope = { ...envelope, id: jobIdOf(envelope, msg.info.streamSequence) };
    delete due.runAt;
    await this.bus.publish(this.topology.subjects.job(due.queue, due.worker), encodeEnvelope(due), {
      msgId: `${due.id}:due:${msg.info.streamSequence}`,
      timeoutMs: PUBLISH_TIMEOUT_MS,
    });
    msg.ack();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.loopDone;
  }
}
