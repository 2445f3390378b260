import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { Bus, Topology } from '@switch-telemetry/bus';
import { isDbUnavailable } from '@switch-telemetry/db';
import { PERMANENT, UNKNOWN, backoffDelayMs, classify, requestedDelayMs } from '@switch-telemetry/errors';
import type { Logger } from '@switch-telemetry/logging';
import { undecodableDeadJob, type DeadLetterStore, type DeadOutcome } from './dead-letters';
import { decodeEnvelope, encodeEnvelope, errorRecordOf, withError, type JobEnvelope, type JobErrorRecord } from './envelope';
import { DiscardedError, JobTimeoutError, ProcessDiedError } from './errors';
import { AckBatcher } from './ack-batcher';
import { ConsumeLoop } from './consumers';
import { jobIdOf } from './job-id';
import type { JobType } from './job-type';
import type { JobMetrics } from './metrics';

/** What `perform` may return besides nothing (done). */
/** The longest a job waits between tries while a dependency it needs (PostgreSQL) is down. */
export const DEPENDENCY_WAIT_CAP_MS = 30_000;

export type JobResult = { snoozeMs: number } | { discard: string };

/** Run again after `seconds`, without using up an attempt. */
export function snooze(seconds: number): JobResult {
  return { snoozeMs: Math.max(0, Math.round(seconds * 1_000)) };
}

/** Give up now: the job goes to the dead letters with this reason. */
export function discard(reason: string): JobResult {
  return { discard: reason };
}

export interface JobContext {
  id: string;
  /** This attempt, 1-based. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the job times out or the process stops past its grace period. */
  signal: AbortSignal;
  log: Logger;
  /** Extends the lease now (the runtime also does so on its own while perform runs). */
  working(): void;
}

export type Perform<A> = (args: A, ctx: JobContext) => Promise<void | JobResult>;

export interface Handler {
  type: JobType<unknown>;
  perform: Perform<unknown>;
}

export interface RunnerDeps {
  bus: Pick<Bus, 'publish'>;
  topology: Topology;
  store: DeadLetterStore;
  metrics: JobMetrics;
  log: Logger;
  ackWaitMs: number;
  /** How long a job waits before the dead-letter write is tried again (PostgreSQL down). */
  deadLetterRetryMs: number;
  random: () => number;
}

/** When the dead letter cannot be written (PostgreSQL down), the job waits this long and the write is tried again. */
export const DEAD_LETTER_RETRY_MS = 30_000;
const PUBLISH_TIMEOUT_MS = 5_000;
/** A failure's own Retry-After is honoured up to this; the backoff policy's cap does not apply to it. */
export const RETRY_AFTER_CAP_MS = 3_600_000;

interface InFlight {
  msg: JsMsg;
  /** Created on first use (ctx.signal, a timeout, a stop): most jobs never need one. */
  controller: AbortController | undefined;
  handedBack: boolean;
  done: Promise<void>;
  /** When the lease was last renewed (epoch ms). */
  renewedAt: number;
}

type Outcome = { kind: 'done' } | { kind: 'snooze'; ms: number } | { kind: 'discard'; reason: string } | { kind: 'error'; error: unknown };

/**
 * Pulls one queue's jobs and runs them, never more at once than the queue's
 * concurrency; the consumer's max ack pending holds the same limit across
 * every replica.
 */
export class QueueRunner {
  private readonly inFlight = new Map<number, InFlight>();
  private pulling: ConsumeLoop | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly acks = new AckBatcher();

  constructor(
    readonly queue: string,
    readonly concurrency: number,
    private readonly consumer: Consumer,
    private readonly handlers: ReadonlyMap<string, Handler>,
    private readonly deps: RunnerDeps,
  ) {}

  start(): void {
    // The consumer's max ack pending is the queue's concurrency, so JetStream
    // never hands this process more jobs than may run at once: every message
    // is launched as it arrives, and none waits in a client-side buffer.
    this.pulling = new ConsumeLoop(
      this.consumer,
      this.concurrency,
      (msg) => this.launch(msg),
      this.deps.log.child({ queue: this.queue }),
      'pulling jobs failed',
      this.deps.random,
    );
    this.pulling.start();
    // One timer per queue renews the lease of every job that has run for a
    // third of the ack wait (cheaper than a timer per job at thousands of jobs/s).
    const every = Math.max(Math.floor(this.deps.ackWaitMs / 3), 50);
    this.heartbeat = setInterval(() => {
      const now = Date.now();
      for (const entry of this.inFlight.values()) {
        if (now - entry.renewedAt >= every) {
          entry.msg.working();
          entry.renewedAt = now;
        }
      }
    }, every);
    this.heartbeat.unref();
  }

  /** Jobs running now. */
  get running(): number {
    return this.inFlight.size;
  }

  private launch(msg: JsMsg): void {
    const entry: InFlight = { msg, controller: undefined, handedBack: false, done: Promise.resolve(), renewedAt: Date.now() };
    this.inFlight.set(msg.seq, entry);
    entry.done = this.execute(entry)
      .catch((err) => this.deps.log.error({ err, queue: this.queue, seq: msg.seq }, 'job handling failed; JetStream will redeliver it'))
      .finally(() => this.inFlight.delete(msg.seq));
  }

  /**
   * Stops pulling, lets running jobs finish within `graceMs`, then aborts
   * the rest and hands them back (NAK) so another replica takes them at once.
   */
  async stop(graceMs: number): Promise<void> {
    const heartbeat = this.heartbeat;
    await this.pulling?.stop();
    const all = Promise.all([...this.inFlight.values()].map((f) => f.done));
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    clearInterval(heartbeat);
    this.acks.flush();
    if (!late) return;
    for (const entry of this.inFlight.values()) {
      entry.handedBack = true;
      (entry.controller ??= new AbortController()).abort(new Error('the process is stopping'));
      entry.msg.nak();
      this.deps.log.warn({ queue: this.queue, seq: entry.msg.seq }, 'job still running at stop; handed back');
    }
  }

  private async execute(entry: InFlight): Promise<void> {
    const { msg } = entry;
    let envelope: JobEnvelope;
    try {
      envelope = decodeEnvelope(msg.data);
    } catch (err) {
      return this.deadLetterUndecodable(msg, err);
    }
    const id = jobIdOf(envelope, msg.info.streamSequence);
    const base = { ...envelope, id };
    if (envelope.dead) return this.deadLetter(msg, base, envelope.dead.outcome, envelope.dead.reason, base.errors, base.attempt);

    // Deliveries before this one ended without an outcome: the process that
    // had the job stopped or died. Each counts as an attempt, so a job that
    // kills its process cannot come back forever.
    let attemptsMade = envelope.attempt;
    let errors = envelope.errors;
    for (let lost = msg.info.deliveryCount - 1; lost > 0; lost -= 1) {
      attemptsMade += 1;
      const died = new ProcessDiedError('the job came back after its ack wait without an outcome: the process running it stopped or died');
      errors = withError(errors, errorRecordOf(died, attemptsMade, UNKNOWN, new Date()));
    }

    const handler = this.handlers.get(envelope.worker);
    if (!handler) {
      const reason = `no worker "${envelope.worker}" for queue ${this.queue} in this process`;
      return this.deadLetter(msg, base, 'discarded', reason, errors, attemptsMade);
    }
    const maxAttempts = handler.type.maxAttempts;
    if (attemptsMade >= maxAttempts) {
      return this.deadLetter(msg, base, 'exhausted', `used all ${maxAttempts} attempts`, errors, attemptsMade);
    }
    const parsed = handler.type.args.safeParse(envelope.args);
    if (!parsed.success) {
      const reason = `arguments are not valid for ${handler.type.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`;
      return this.deadLetter(msg, base, 'discarded', reason, errors, attemptsMade);
    }

    const attempt = attemptsMade + 1;
    const labels = { queue: this.queue, worker: envelope.worker };
    const outcome = await this.perform(entry, handler, parsed.data, id, attempt);
    if (entry.handedBack) return;

    const now = new Date();
    switch (outcome.kind) {
      case 'done':
        this.acks.ack(msg);
        this.deps.metrics.jobs.inc({ ...labels, outcome: 'completed' });
        return;
      case 'snooze':
        this.deps.metrics.jobs.inc({ ...labels, outcome: 'snoozed' });
        return this.reschedule(msg, { ...base, attempt: attemptsMade, errors, snoozes: envelope.snoozes + 1 }, outcome.ms);
      case 'discard': {
        const record = errorRecordOf(new DiscardedError(outcome.reason), attempt, PERMANENT, now);
        return this.deadLetter(msg, base, 'discarded', outcome.reason, withError(errors, record), attempt);
      }
      case 'error': {
        if (isDbUnavailable(outcome.error)) {
          // PostgreSQL is down: the job is not at fault, and an outage longer than its
          // retries must not send it to the dead letters. It waits (kept in JetStream)
          // without using up an attempt, backing off to DEPENDENCY_WAIT_CAP_MS.
          this.deps.metrics.jobs.inc({ ...labels, outcome: 'snoozed' });
          const delay = Math.min(DEPENDENCY_WAIT_CAP_MS, backoffDelayMs(handler.type.backoff, envelope.snoozes + 1, this.deps.random));
          this.deps.log.warn(
            { job: id, worker: handler.type.name, delayMs: delay },
            'PostgreSQL unavailable; the job waits without using an attempt',
          );
          return this.reschedule(msg, { ...base, attempt: attemptsMade, errors, snoozes: envelope.snoozes + 1 }, delay);
        }
        const classification = classify(outcome.error);
        const all = withError(errors, errorRecordOf(outcome.error, attempt, classification, now));
        const message = (outcome.error as Error)?.message ?? String(outcome.error);
        if (classification === PERMANENT) return this.deadLetter(msg, base, 'discarded', `permanent failure: ${message}`, all, attempt);
        if (attempt >= maxAttempts) {
          return this.deadLetter(msg, base, 'exhausted', `failed ${attempt} of ${maxAttempts} attempts; last: ${message}`, all, attempt);
        }
        this.deps.metrics.jobs.inc({ ...labels, outcome: 'retried' });
        const requested = requestedDelayMs(outcome.error);
        const delay =
          requested === undefined
            ? backoffDelayMs(handler.type.backoff, attempt, this.deps.random)
            : Math.min(requested, RETRY_AFTER_CAP_MS);
        return this.reschedule(msg, { ...base, attempt, errors: all }, delay);
      }
    }
  }

  /** Runs perform with the job's timeout, renewing the lease while it runs. */
  private async perform(entry: InFlight, handler: Handler, args: unknown, id: string, attempt: number): Promise<Outcome> {
    const { msg } = entry;
    const labels = { queue: this.queue, worker: handler.type.name };
    let timer: NodeJS.Timeout | undefined;
    const stopTimer = this.deps.metrics.duration.startTimer(labels);
    try {
      const log = this.deps.log;
      let childLog: Logger | undefined;
      const ctx: JobContext = {
        id,
        attempt,
        maxAttempts: handler.type.maxAttempts,
        get signal() {
          return (entry.controller ??= new AbortController()).signal;
        },
        // Built on first use: most jobs never log, and a pino child per job is not free.
        get log() {
          return (childLog ??= log.child({ job: id, worker: handler.type.name, attempt }));
        },
        working: () => {
          msg.working();
          entry.renewedAt = Date.now();
        },
      };
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new JobTimeoutError(`${handler.type.name} ran past its ${handler.type.timeoutMs} ms timeout`);
          (entry.controller ??= new AbortController()).abort(error);
          reject(error);
        }, handler.type.timeoutMs);
      });
      const result = await Promise.race([handler.perform(args, ctx), timeout]);
      if (result && 'snoozeMs' in result) return { kind: 'snooze', ms: result.snoozeMs };
      if (result && 'discard' in result) return { kind: 'discard', reason: result.discard };
      return { kind: 'done' };
    } catch (error) {
      return { kind: 'error', error };
    } finally {
      stopTimer();
      clearTimeout(timer);
    }
  }

  /** Moves the job to the scheduled subject to run after `delayMs`, then removes this message. */
  private async reschedule(msg: JsMsg, envelope: JobEnvelope, delayMs: number): Promise<void> {
    const next: JobEnvelope = { ...envelope, runAt: Date.now() + delayMs };
    await this.deps.bus.publish(this.deps.topology.subjects.scheduledJob(this.queue, envelope.worker), encodeEnvelope(next), {
      // Keyed by the message being replaced: a redelivery of it republishes
      // the same id (stored once), while every later reschedule is new.
      msgId: `${envelope.id}:wait:${msg.info.streamSequence}`,
      timeoutMs: PUBLISH_TIMEOUT_MS,
    });
    msg.ack();
  }

  private async deadLetter(
    msg: JsMsg,
    envelope: JobEnvelope,
    outcome: Exclude<DeadOutcome, 'undecodable'>,
    reason: string,
    errors: JobErrorRecord[],
    attempts: number,
  ): Promise<void> {
    try {
      await this.deps.store.insert({
        id: envelope.id,
        queue: this.queue,
        worker: envelope.worker,
        args: envelope.args,
        attempts,
        maxAttempts: envelope.maxAttempts,
        outcome,
        reason,
        errors,
        enqueuedAt: envelope.enqueuedAt,
      });
    } catch (err) {
      // PostgreSQL is down: keep the job in JetStream, marked, and try the write again later.
      this.deps.log.error({ err, job: envelope.id }, 'writing the dead letter failed; the job waits in JetStream and the write is retried');
      return this.reschedule(msg, { ...envelope, attempt: attempts, errors, dead: { outcome, reason } }, this.deps.deadLetterRetryMs);
    }
    await msg.ackAck({ timeout: PUBLISH_TIMEOUT_MS });
    this.deps.metrics.jobs.inc({ queue: this.queue, worker: envelope.worker, outcome });
    this.deps.metrics.deadLetters.inc({ queue: this.queue, worker: envelope.worker, outcome });
    this.deps.log.warn({ job: envelope.id, worker: envelope.worker, outcome, reason, attempts }, 'job moved to the dead letters');
  }

  private async deadLetterUndecodable(msg: JsMsg, error: unknown): Promise<void> {
    const dead = undecodableDeadJob(msg, error);
    try {
      await this.deps.store.insert(dead);
    } catch (err) {
      this.deps.log.error({ err, seq: msg.seq }, 'writing the dead letter of an undecodable job failed; retrying later');
      msg.nak(this.deps.deadLetterRetryMs);
      return;
    }
    await msg.ackAck({ timeout: PUBLISH_TIMEOUT_MS });
    this.deps.metrics.jobs.inc({ queue: this.queue, worker: dead.worker, outcome: 'undecodable' });
    this.deps.metrics.deadLetters.inc({ queue: this.queue, worker: dead.worker, outcome: 'undecodable' });
    this.deps.log.warn({ job: dead.id, reason: dead.reason }, 'undecodable job moved to the dead letters');
  }
}
