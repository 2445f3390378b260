import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { Bus, Topology } from '@switch-telemetry/bus';
import { ALERT_BODY_SCHEMAS, type AlertKind } from '@switch-telemetry/contracts';
import type { Pool } from '@switch-telemetry/db';
import { backoffDelayMs, type BackoffPolicy } from '@switch-telemetry/errors';
import { ConsumeLoop, ensureConsumer, type JobRuntime } from '@switch-telemetry/jobs';
import type { Logger } from '@switch-telemetry/logging';
import { DeliveryLog } from './deliveries';
import { EndpointRepository } from './endpoints';
import { webhookDeliverJob } from './jobs';
import { matchingEndpoints, severityOf } from './matching';
import type { NotifierMetrics } from './metrics';

/** The notifier's durable consumer of `events.alert.>`, shared by its replicas. */
export const ALERT_CONSUMER = 'notifier-alerts';
/** Alerts handed out and not yet acknowledged, across every replica. */
export const ALERTS_IN_FLIGHT = 256;
/** An alert not acknowledged within this is handed out again (to any replica). */
export const ALERT_ACK_WAIT_MS = 30_000;
const ENQUEUE_TIMEOUT_MS = 5_000;

// An alert that could not be fanned out (PostgreSQL or JetStream down) comes back after 1 s, 2 s ... 30 s.
const RETRY_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 30_000, jitter: 0.5 };

export interface AlertFanOutOptions {
  bus: Bus;
  topology: Topology;
  pool: Pool;
  jobs: JobRuntime;
  log: Logger;
  metrics: NotifierMetrics;
  /** Looks up a device's tags for endpoints that filter on them. */
  tagsOf: (device: string) => Promise<Record<string, string> | undefined>;
  maxInFlight?: number;
  ackWaitMs?: number;
  random?: () => number;
}

/** Why an alert cannot be delivered to anybody: it goes to the dead letters. */
class UndecodableAlert extends Error {}

/**
 * Turns each alert into one stored delivery and one `webhook-deliver` job
 * per endpoint that wants it, and acknowledges the alert only once those are
 * stored; an alert that cannot be stored yet (PostgreSQL down) stays in
 * JetStream and comes back. An alert that does not parse goes to the dead
 * letters with the reason, and the consumer goes on.
 */
export class AlertFanOut {
  private readonly deliveries: DeliveryLog;
  private readonly endpoints: EndpointRepository;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly prefix: string;
  private pulling: ConsumeLoop | undefined;

  constructor(private readonly o: AlertFanOutOptions) {
    this.deliveries = new DeliveryLog(o.pool);
    this.endpoints = new EndpointRepository(o.pool);
    this.prefix = o.topology.subjects.alerts().slice(0, -1);
  }

  /** Creates the durable consumer if needed and starts taking alerts. */
  async start(): Promise<void> {
    const { bus, topology } = this.o;
    const stream = topology.streams.events.name;
    await ensureConsumer(bus.jsm, {
      stream,
      name: ALERT_CONSUMER,
      filterSubject: topology.subjects.alerts(),
      maxAckPending: this.o.maxInFlight ?? ALERTS_IN_FLIGHT,
      ackWaitMs: this.o.ackWaitMs ?? ALERT_ACK_WAIT_MS,
      // A notifier installed today does not send the week of alerts EVENTS already holds.
      deliverPolicy: DeliverPolicy.New,
    });
    const consumer = await bus.js.consumers.get(stream, ALERT_CONSUMER);
    this.pulling = new ConsumeLoop(
      consumer,
      this.o.maxInFlight ?? ALERTS_IN_FLIGHT,
      (msg) => {
        const done: Promise<void> = this.handle(msg).finally(() => this.inFlight.delete(done));
        this.inFlight.add(done);
      },
      this.o.log,
      'taking alerts failed',
      this.o.random,
    );
    this.pulling.start();
  }

  /** Stops taking alerts; what is being fanned out gets `graceMs`, the rest comes back to another replica. */
  async stop(graceMs: number): Promise<void> {
    await this.pulling?.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.inFlight), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }

  private async handle(msg: JsMsg): Promise<void> {
    let alert: { kind: string; body: Record<string, unknown>; device?: string };
    try {
      alert = this.decode(msg);
    } catch (err) {
      return this.deadLetter(msg, (err as Error).message);
    }
    try {
      const { kind, body, device } = alert;
      const wanted = await matchingEndpoints(
        // Read for every alert: an endpoint added a moment ago gets the next alert.
        await this.endpoints.enabledFilters(),
        { kind, severity: severityOf(kind), ...(device === undefined ? {} : { device }) },
        this.o.tagsOf,
      );
      if (wanted.length === 0) {
        this.o.metrics.alerts.inc({ outcome: 'unmatched' });
        msg.ack();
        return;
      }
      // The alert's own id when its publisher gave one (stable if it was published twice), else its place in the stream.
      const alertId = msg.headers?.get('Nats-Msg-Id') || `${msg.info.stream}:${msg.info.streamSequence}`;
      const payload = JSON.stringify({ type: kind, timestamp: msg.timestamp, data: body });
      const pending = await this.deliveries.storeForAlert(
        alertId,
        kind,
        payload,
        wanted.map((e) => e.id),
      );
      await Promise.all(
        pending.map((id) => this.o.jobs.enqueue(webhookDeliverJob, { deliveryId: id }, { id, timeoutMs: ENQUEUE_TIMEOUT_MS })),
      );
      msg.ack();
      this.o.metrics.alerts.inc({ outcome: 'fanned_out' });
    } catch (err) {
      const delay = backoffDelayMs(RETRY_BACKOFF, msg.info.deliveryCount, this.o.random);
      this.o.log.warn({ err, subject: msg.subject, seq: msg.seq, retryInMs: delay }, 'fanning an alert out failed; it stays in JetStream');
      msg.nak(delay);
    }
  }

  /** The alert's kind and body, checked against its kind's schema; a kind this build does not know needs only a JSON object. */
  private decode(msg: JsMsg): { kind: string; body: Record<string, unknown>; device?: string } {
    const kind = msg.subject.startsWith(this.prefix) ? msg.subject.slice(this.prefix.length) : msg.subject;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(msg.data).toString('utf8'));
    } catch {
      throw new UndecodableAlert(`${msg.subject}: the body is not JSON`);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new UndecodableAlert(`${msg.subject}: the body is not an object`);
    const schema = (ALERT_BODY_SCHEMAS as Record<string, (typeof ALERT_BODY_SCHEMAS)[AlertKind]>)[kind];
    if (schema) {
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
        throw new UndecodableAlert(`${msg.subject}: not a ${kind} alert: ${issues}`);
      }
    }
    const device = (body as { device?: unknown }).device;
    return { kind, body: body as Record<string, unknown>, ...(typeof device === 'string' ? { device } : {}) };
  }

  private async deadLetter(msg: JsMsg, reason: string): Promise<void> {
    try {
      await this.o.jobs.deadLetters.insert({
        id: `alert-${msg.info.stream}-${msg.info.streamSequence}`,
        queue: 'notifications',
        worker: 'alert-fan-out',
        raw: msg.data,
        attempts: 0,
        outcome: 'undecodable',
        reason,
        errors: [],
      });
    } catch (err) {
      const delay = backoffDelayMs(RETRY_BACKOFF, msg.info.deliveryCount, this.o.random);
      this.o.log.error({ err, seq: msg.seq }, 'writing the dead letter of an undecodable alert failed; it stays in JetStream');
      msg.nak(delay);
      return;
    }
    msg.ack();
    this.o.metrics.alerts.inc({ outcome: 'undecodable' });
    this.o.log.warn({ subject: msg.subject, seq: msg.seq, reason }, 'undecodable alert moved to the dead letters');
  }
}
