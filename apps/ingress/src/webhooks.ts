import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { assertSubjectPath, publishJson } from '@switch-telemetry/bus';
import type { WebhookEventBody } from '@switch-telemetry/contracts';
import { webhookDeliveriesCounter, webhookProcessJob } from '@switch-telemetry/inventory';
import type { Registry } from 'prom-client';
import {
  DeliveryIdInvalidError,
  SignatureInvalidError,
  SignatureMissingError,
  TimestampOutOfToleranceError,
  verifySignature,
  type Verified,
} from '@switch-telemetry/webhook-signatures';
import type { Enqueued } from '@switch-telemetry/jobs';
import type { WebhookSource } from './config';
import type { IngressDeps } from './deps';
import { assertCleanStrings } from './input';
import { ProblemError } from './problem';
import { jsonBody } from './routes';

export interface WebhookOptions {
  sources: readonly WebhookSource[];
  publishTimeoutMs: number;
  retryAfterS: number;
  /** Largest body accepted; see webhookBodyLimit. */
  bodyLimitBytes: number;
  registry: Registry;
}

// What a webhook's JetStream messages hold besides the payload. The larger
// is the job (libs/jobs envelope.ts): ids (job ≤ 200 bytes, delivery ≤ 256,
// event ≤ 519, source ≤ 64), keys, identity, timestamps, counters and NATS headers
// fit in ENVELOPE_FIELDS_BYTES. A job that failed carries one error record
// per attempt, its message kept to 2,000 UTF-16 units, each at most 6 bytes
// as JSON (a \u escape), plus the record's other fields; and when its dead
// letter cannot be written, a reason of about that size as well.
const ENVELOPE_FIELDS_BYTES = 4_096;
const ERROR_RECORD_BYTES = 2_000 * 6 + 512;

/** Bytes of NATS max_payload kept for what wraps a webhook's payload (the event message and the job). */
export const WEBHOOK_ENVELOPE_RESERVE_BYTES = ENVELOPE_FIELDS_BYTES + (webhookProcessJob.maxAttempts + 1) * ERROR_RECORD_BYTES;

// JSON.stringify may write a value longer than it came: 1e20 (4 bytes)
// becomes 21 digits; nothing grows more than that, about 5.25 times.
const REENCODE_GROWTH_MAX = 6;

/** Thrown at start-up when NATS takes too little to carry any webhook. */
export class MaxPayloadTooSmallError extends Error {}

/**
 * The largest webhook body that still fits NATS once wrapped: the
 * configured limit, or the server's max_payload less the envelope reserve
 * when that is smaller. A body above it gets 413 rather than a 503 the
 * sender would retry forever.
 */
export function webhookBodyLimit(configuredBytes: number, maxPayloadBytes: number | undefined): number {
  if (maxPayloadBytes === undefined) return configuredBytes;
  const room = maxPayloadBytes - WEBHOOK_ENVELOPE_RESERVE_BYTES;
  if (room < 1_024) {
    throw new MaxPayloadTooSmallError(
      `NATS max_payload is ${maxPayloadBytes} bytes; a webhook's messages need ${WEBHOOK_ENVELOPE_RESERVE_BYTES} bytes besides the payload`,
    );
  }
  return Math.min(configuredBytes, room);
}

function tooLarge(limitBytes: number): ProblemError {
  return new ProblemError(413, 'too-large', 'Body too large', `webhook bodies may be at most ${limitBytes} bytes`);
}

const EVENT = /^[a-z0-9_-]{1,64}(\.[a-z0-9_-]{1,64}){0,7}$/;

/**
 * A NetBox delivery's event: its object type and what happened to it
 * (`dcim.device.updated`), so its subject says which object changed. Older
 * releases send `model` (`device`) instead of `object_type`.
 */
function netboxEvent(payload: Record<string, unknown>): string | undefined {
  const type = payload.object_type ?? payload.model;
  const event = payload.event;
  return typeof type === 'string' && typeof event === 'string' ? `${type}.${event}` : undefined;
}

/** The Nats-Msg-Id of a delivery's event: the same delivery again within EVENTS' duplicate window is stored once. */
function eventMsgId(source: string, deliveryId: string): string {
  return `webhook:${source}:${createHash('sha256').update(deliveryId).digest('hex').slice(0, 32)}`;
}

/**
 * POST /v1/webhooks/:source — verify the signature over the exact bytes,
 * then store the event (events.webhook.<source>.<event>) and a
 * webhook-process job in JetStream, and only then answer 202. A repeat of a
 * delivery within the streams' duplicate window (5 min) is stored once and
 * answered `duplicate: true`; a later one is told apart by the worker, which
 * remembers sender ids for days and content-derived ones for minutes.
 */
export function webhookRoutes(app: FastifyInstance, deps: IngressDeps, options: WebhookOptions): void {
  const sources = new Map(options.sources.map((s) => [s.name, s]));
  const deliveries = webhookDeliveriesCounter(options.registry);
  const unavailable = (detail: string) =>
    new ProblemError(503, 'unavailable', 'Cannot store the event now', detail, undefined, { 'retry-after': String(options.retryAfterS) });

  app.post<{ Params: { source: string } }>('/v1/webhooks/:source', { bodyLimit: options.bodyLimitBytes }, async (request, reply) => {
    const source = sources.get(request.params.source);
    if (!source)
      throw new ProblemError(404, 'unknown-source', 'Unknown webhook source', `no source named ${request.params.source.slice(0, 64)}`);
    if (!Buffer.isBuffer(request.body))
      throw new ProblemError(415, 'unsupported-media-type', 'Body must be JSON', 'send Content-Type: application/json');

    let verified: Verified;
    try {
      verified = verifySignature({ scheme: source.scheme, secrets: source.secrets, headers: request.headers, body: request.body });
    } catch (err) {
      if (err instanceof SignatureMissingError || err instanceof SignatureInvalidError || err instanceof TimestampOutOfToleranceError) {
        throw new ProblemError(401, 'bad-signature', 'Signature not valid', err.message);
      }
      if (err instanceof DeliveryIdInvalidError) throw new ProblemError(400, 'bad-delivery-id', 'Delivery id not valid', err.message);
      throw err;
    }
    const { deliveryId, identity, sentAtS } = verified;

    const parsedBody = jsonBody(request.body);
    assertCleanStrings(parsedBody, 'body');
    if (parsedBody === null || typeof parsedBody !== 'object' || Array.isArray(parsedBody)) {
      throw new ProblemError(400, 'bad-payload', 'Payload must be a JSON object');
    }
    const payload = parsedBody as Record<string, unknown>;
    const event = source.scheme === 'netbox' ? netboxEvent(payload) : payload.event;
    if (typeof event !== 'string' || !EVENT.test(event)) {
      throw new ProblemError(
        400,
        'bad-payload',
        'Payload needs an event',
        source.scheme === 'netbox'
          ? '`event` (created, updated, deleted) and `object_type` (dcim.device) or `model` must be dotted names of a-z 0-9 _ -'
          : '`event` must be a dotted name of a-z 0-9 _ - (device.created)',
      );
    }
    assertSubjectPath('webhook event', event);
    // Only a body this close to the limit can re-encode past it; measured as it will be stored.
    if (
      request.body.length * REENCODE_GROWTH_MAX > options.bodyLimitBytes &&
      Buffer.byteLength(JSON.stringify(payload)) > options.bodyLimitBytes
    ) {
      throw tooLarge(options.bodyLimitBytes);
    }

    if (!deps.bus.isConnected()) throw unavailable('the message bus is not connected');
    const receivedAt = new Date().toISOString();
    // Both stored in parallel (one round trip, one socket write); the 202
    // waits for both acknowledgements. If one fails, the sender's retry
    // stores the missing one and the other is a duplicate.
    let job: Enqueued;
    try {
      [, job] = await Promise.all([
        publishJson(
          deps.bus,
          deps.topology.subjects.webhookEvent(source.name, event),
          {
            v: 1,
            source: source.name,
            delivery_id: deliveryId,
            event,
            received_at: receivedAt,
            payload,
          } satisfies WebhookEventBody,
          { msgId: eventMsgId(source.name, deliveryId), timeoutMs: options.publishTimeoutMs },
        ),
        deps.jobs.enqueue(
          webhookProcessJob,
          {
            source: source.name,
            deliveryId,
            event,
            payload,
            identity,
            receivedAt,
            scheme: source.scheme,
            ...(sentAtS === undefined ? {} : { sentAt: new Date(sentAtS * 1_000).toISOString() }),
          },
          { uniqueKey: `${source.name}:${deliveryId}`, timeoutMs: options.publishTimeoutMs },
        ),
      ]);
    } catch (err) {
      deps.log.warn({ err, source: source.name, event }, 'webhook not stored; answering 503');
      throw unavailable('the event could not be stored; nothing was accepted');
    }
    deliveries.inc({ source: source.name, stage: 'ingress', outcome: job.duplicate ? 'duplicate' : 'accepted' });
    // `id` is the job's: a repeat gets the first delivery's.
    return reply.code(202).send({ status: 'accepted', id: job.id, duplicate: job.duplicate });
  });
}
