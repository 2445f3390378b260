import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ConsumerConflictError, InvalidConsumerOptionsError, InvalidTelemetryMessageError, withTimeout } from './errors';
import { decodeTelemetryMessage, dedupeKey, type DecodeMode } from './message';
import type { TelemetryMessage } from './schema';
import { telemetryFilterSubject, telemetryStreamName, type TelemetryFilter } from './subjects';

/** pino-compatible; anything with these three methods will do. */
export interface TelemetryConsumerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const silent: TelemetryConsumerLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** What the handler learns about the delivery besides the message. */
export interface DeliveryContext {
  subject: string;
  /** The message's sequence in the stream: the same on every delivery. */
  streamSequence: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  redelivered: boolean;
  /** The same for every delivery of one message: see dedupeKey(). */
  dedupeKey: string;
}

/** Resolves when the message is handled (it is then acknowledged); a rejection hands it back for a retry. */
export type TelemetryHandler = (message: TelemetryMessage, context: DeliveryContext) => Promise<void>;

export interface TelemetryConsumerOptions {
  /** A connection of yours; stop() leaves it open (drain it after). */
  nc: NatsConnection;
  /** The durable consumer's name (1-64 of A-Z a-z 0-9 _ -): the same name continues where the last run left off. */
  durable: string;
  /** The stack's namespace (`NATS_NAMESPACE` of the services); empty in production. */
  namespace?: string;
  /** Defaults to `TELEMETRY` (or `<namespace>_TELEMETRY`). */
  stream?: string;
  /** Which device and subscription (`*` or absent: all). */
  filter?: Omit<TelemetryFilter, 'namespace'>;
  handler: TelemetryHandler;
  /** Handlers running at once in this process (default 64). */
  maxInFlight?: number;
  /**
   * The durable's max ack pending: unacknowledged messages over every process
   * that shares the durable (default maxInFlight; set it to processes × maxInFlight).
   */
  maxAckPending?: number;
  /** A delivery not acknowledged within this is sent again (default 30 s; renewed while the handler runs). */
  ackWaitMs?: number;
  /** After this many failed deliveries a message is given up (terminated, logged, counted); default 5. */
  maxDeliveries?: number;
  /** First retry delay after a handler error, doubled on each delivery up to retryDelayCapMs (defaults 1 s, 60 s). */
  retryDelayMs?: number;
  retryDelayCapMs?: number;
  /** Where a new durable starts; an existing one continues where it is (default `all`). */
  deliverPolicy?: 'all' | 'new' | 'last_per_subject';
  /** Default `validate` (the full schema); see DecodeMode. */
  decode?: DecodeMode;
  log?: TelemetryConsumerLogger;
}

export interface TelemetryConsumerStats {
  /** Messages handled and acknowledged. */
  handled: number;
  /** Handler errors handed back for a retry. */
  retried: number;
  /** Messages given up after maxDeliveries failed deliveries. */
  gaveUp: number;
  /** Bodies that are not telemetry messages: terminated at once, never handed to the handler. */
  invalid: number;
  /** Handlers running now. */
  inFlight: number;
}

const DURABLE = /^[A-Za-z0-9_-]{1,64}$/;
const PULL_RETRY_MS = [250, 500, 1_000, 2_000, 5_000];
const DEFAULT_STOP_GRACE_MS = 10_000;
const FLUSH_TIMEOUT_MS = 5_000;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new InvalidConsumerOptionsError(`${name} must be a whole number ≥ 1 (got ${value})`);
  return v;
}

interface InFlight {
  msg: JsMsg;
  renewedAt: number;
  done: Promise<void>;
}

/**
 * A durable pull consumer over the telemetry stream. Delivery is at least
 * once: a message is acknowledged after its handler resolves; a handler
 * error hands it back with a delay; a crash before the ack means it comes
 * back after ackWaitMs. Never more than maxInFlight handlers run at once.
 */
export class TelemetryConsumer {
  private readonly opts: Required<Omit<TelemetryConsumerOptions, 'namespace' | 'filter' | 'stream' | 'log'>>;
  private readonly log: TelemetryConsumerLogger;
  readonly stream: string;
  readonly filterSubject: string;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly counts = { handled: 0, retried: 0, gaveUp: 0, invalid: 0 };
  private messages: ConsumerMessages | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping = false;
  private started = false;
  private wakeLoop: (() => void) | undefined;
  private pendingAcks: JsMsg[] = [];
  private ackScheduled = false;

  constructor(options: TelemetryConsumerOptions) {
    if (!DURABLE.test(options.durable)) throw new InvalidConsumerOptionsError('durable must be 1-64 of A-Z a-z 0-9 _ -');
    const maxInFlight = positiveInt('maxInFlight', options.maxInFlight, 64);
    this.opts = {
      nc: options.nc,
      durable: options.durable,
      handler: options.handler,
      maxInFlight,
      maxAckPending: positiveInt('maxAckPending', options.maxAckPending, maxInFlight),
      ackWaitMs: positiveInt('ackWaitMs', options.ackWaitMs, 30_000),
      maxDeliveries: positiveInt('maxDeliveries', options.maxDeliveries, 5),
      retryDelayMs: positiveInt('retryDelayMs', options.retryDelayMs, 1_000),
      retryDelayCapMs: positiveInt('retryDelayCapMs', options.retryDelayCapMs, 60_000),
      deliverPolicy: options.deliverPolicy ?? 'all',
      decode: options.decode ?? 'validate',
    };
    this.log = options.log ?? silent;
    this.stream = options.stream ?? telemetryStreamName({ namespace: options.namespace });
    this.filterSubject = telemetryFilterSubject({ ...options.filter, namespace: options.namespace });
  }

  stats(): TelemetryConsumerStats {
    return { ...this.counts, inFlight: this.inFlight.size };
  }

  /** Creates the durable (or binds to it) and starts pulling. Throws ConsumerConflictError, or JetStream's error. */
  async start(): Promise<void> {
    if (this.started) throw new InvalidConsumerOptionsError('start() was called before');
    this.started = true;
    const jsm = await jetstreamManager(this.opts.nc);
    await this.ensureDurable(jsm);
    const consumer = await jetstream(this.opts.nc).consumers.get(this.stream, this.opts.durable);
    const every = Math.max(Math.floor(this.opts.ackWaitMs / 3), 50);
    // One timer renews every long-running delivery, so a slow handler does not get its message sent twice.
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
    this.loopDone = this.loop(consumer);
    this.log.info({ stream: this.stream, durable: this.opts.durable, filter: this.filterSubject }, 'telemetry consumer started');
  }

  private async ensureDurable(jsm: JetStreamManager): Promise<void> {
    const o = this.opts;
    const tunable = { max_ack_pending: o.maxAckPending, ack_wait: nanos(o.ackWaitMs), max_deliver: o.maxDeliveries };
    try {
      const current = (await jsm.consumers.info(this.stream, o.durable)).config;
      if (current.filter_subject !== this.filterSubject || current.ack_policy !== AckPolicy.Explicit) {
        throw new ConsumerConflictError(
          `durable "${o.durable}" on ${this.stream} exists with filter "${current.filter_subject ?? ''}" and ack policy ` +
            `${current.ack_policy}; this consumer needs "${this.filterSubject}" and explicit acks: delete it or use another name`,
        );
      }
      if (
        current.max_ack_pending !== tunable.max_ack_pending ||
        current.ack_wait !== tunable.ack_wait ||
        current.max_deliver !== tunable.max_deliver
      ) {
        await jsm.consumers.update(this.stream, o.durable, tunable);
      }
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
      const config: Partial<ConsumerConfig> = {
        ...tunable,
        durable_name: o.durable,
        filter_subject: this.filterSubject,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: { all: DeliverPolicy.All, new: DeliverPolicy.New, last_per_subject: DeliverPolicy.LastPerSubject }[o.deliverPolicy],
      };
      await jsm.consumers.add(this.stream, config);
    }
  }

  private async loop(consumer: Consumer): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (this.opts.nc.isClosed()) {
        this.log.error({ stream: this.stream, durable: this.opts.durable }, 'the NATS connection is closed; telemetry consumer stopped');
        return;
      }
      try {
        // The durable's max ack pending bounds what JetStream hands out, so
        // the client never holds more than that in its buffer.
        const messages = await consumer.consume({ max_messages: this.opts.maxInFlight });
        this.messages = messages;
        if (this.stopping) messages.stop();
        void this.watch(messages);
        for await (const msg of messages) {
          failures = 0;
          if (this.stopping) {
            msg.nak(); // handed back at once, for another process
            continue;
          }
          this.launch(msg);
          while (this.inFlight.size >= this.opts.maxInFlight && !this.stopping) await new Promise<void>((r) => (this.wakeLoop = r));
        }
        if (!this.stopping && !this.opts.nc.isClosed()) throw new Error('the pull ended on its own');
      } catch (err) {
        if (this.stopping) break;
        const wait = PULL_RETRY_MS[Math.min(failures, PULL_RETRY_MS.length - 1)]!;
        failures += 1;
        this.log.warn({ err, stream: this.stream, durable: this.opts.durable, retryInMs: wait }, 'pulling telemetry failed; trying again');
        await new Promise<void>((r) => {
          const timer = setTimeout(r, wait);
          this.wakeLoop = () => (clearTimeout(timer), r());
        });
      } finally {
        this.messages = undefined;
      }
    }
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (status.type === 'heartbeats_missed' || status.type === 'consumer_deleted' || status.type === 'consumer_not_found') {
        this.log.warn({ stream: this.stream, durable: this.opts.durable, status: status.type }, 'telemetry consumer status');
      }
    }
  }

  private launch(msg: JsMsg): void {
    const entry: InFlight = { msg, renewedAt: Date.now(), done: Promise.resolve() };
    this.inFlight.set(msg.seq, entry);
    entry.done = this.handle(msg)
      .catch((err: unknown) => this.log.error({ err, seq: msg.seq }, 'telemetry delivery failed; it comes back after the ack wait'))
      .finally(() => {
        this.inFlight.delete(msg.seq);
        const wake = this.wakeLoop;
        this.wakeLoop = undefined;
        wake?.();
      });
  }

  private async handle(msg: JsMsg): Promise<void> {
    let message: TelemetryMessage;
    try {
      message = decodeTelemetryMessage(msg.data, this.opts.decode);
    } catch (err) {
      this.counts.invalid += 1;
      const issues = err instanceof InvalidTelemetryMessageError ? err.issues.slice(0, 5) : [];
      this.log.warn({ subject: msg.subject, seq: msg.seq, issues }, 'not a telemetry message; dropped');
      msg.term(); // no reason text: NATS before 2.10.4 does not understand one
      return;
    }
    const deliveryCount = msg.info.deliveryCount;
    try {
      await this.opts.handler(message, {
        subject: msg.subject,
        streamSequence: msg.seq,
        deliveryCount,
        redelivered: msg.redelivered,
        dedupeKey: dedupeKey(message),
      });
    } catch (err) {
      if (deliveryCount >= this.opts.maxDeliveries) {
        this.counts.gaveUp += 1;
        this.log.error({ err, subject: msg.subject, seq: msg.seq, deliveryCount }, 'telemetry handler failed on every delivery; given up');
        msg.term();
        return;
      }
      this.counts.retried += 1;
      const delay = Math.min(this.opts.retryDelayMs * 2 ** (deliveryCount - 1), this.opts.retryDelayCapMs);
      this.log.warn({ err, subject: msg.subject, seq: msg.seq, deliveryCount, retryInMs: delay }, 'telemetry handler failed; retrying');
      msg.nak(delay);
      return;
    }
    this.counts.handled += 1;
    this.ack(msg);
  }

  // Acks that complete in one event-loop turn share one socket write.
  private ack(msg: JsMsg): void {
    this.pendingAcks.push(msg);
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    const batch = this.pendingAcks;
    this.pendingAcks = [];
    this.ackScheduled = false;
    for (const msg of batch) msg.ack();
  }

  /**
   * Stops pulling, lets running handlers finish within `graceMs` (those
   * still running after it are handed back), sends the last acks and waits
   * until the server has them. The connection stays open.
   */
  async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.messages?.stop();
    const wake = this.wakeLoop;
    this.wakeLoop = undefined;
    wake?.();
    await withTimeout(this.loopDone, FLUSH_TIMEOUT_MS, 'the pull loop').catch((err) => this.log.warn({ err }, 'pull loop did not end'));
    const running = Promise.all([...this.inFlight.values()].map((e) => e.done));
    const late = await withTimeout(running, graceMs, 'running handlers').then(
      () => false,
      () => true,
    );
    clearInterval(this.heartbeat);
    this.flushAcks();
    if (late) {
      for (const entry of this.inFlight.values()) entry.msg.nak();
      this.log.warn({ running: this.inFlight.size }, 'handlers still running at stop; their messages were handed back');
    }
    if (!this.opts.nc.isClosed()) {
      await withTimeout(this.opts.nc.flush(), FLUSH_TIMEOUT_MS, 'flushing acks').catch((err) => this.log.warn({ err }, 'acks not flushed'));
    }
    this.log.info({ ...this.stats() }, 'telemetry consumer stopped');
  }
}
