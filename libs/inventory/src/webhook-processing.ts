import { z } from 'zod';
import { Counter, type Registry } from 'prom-client';
import type { Topology } from '@switch-telemetry/bus';
import type { Pool, PoolClient } from '@switch-telemetry/db';
import { discard, type JobContext, type JobResult, type JobRuntime } from '@switch-telemetry/jobs';
import { cidrSchema } from './cidr-schema';
import { deviceIdSchema, deviceInputSchema } from '@switch-telemetry/contracts';
import { DeviceRepository } from './device-repository';
import { discoveryScanJob, type webhookProcessJob } from './jobs';
import { DeviceConflictError } from './errors';

/**
 * How long a content-derived delivery id (the body's hash) is remembered
 * from its arrival: a sender's retries within it are one change, an equal
 * body after it is a new one. Never shorter than the JOBS stream's duplicate
 * window (5 min), inside which the ingress itself already answers repeats.
 */
export const WEBHOOK_CONTENT_WINDOW_MS = 5 * 60_000;
/**
 * A change stamped later than its own arrival by more than this is refused:
 * the sender's clock is wrong, and applying it would block every later change
 * of the device until that time. (Standard Webhooks allows the same ±5 min.)
 */
export const WEBHOOK_CLOCK_SKEW_MS = 5 * 60_000;
/** How long a sender-given delivery id is remembered: longer than any sender retries a delivery. */
export const WEBHOOK_DELIVERY_RETENTION_MS = 7 * 24 * 60 * 60_000;

/** When the change happened, as the sender says (RFC 3339); orders changes of one device. */
const changeTimestamp = z.iso.datetime({ offset: true }).optional();

/** The incoming webhook events we act on, and the payload each must carry. */
export const webhookPayloadSchemas = {
  'device.created': z.object({ event: z.literal('device.created'), timestamp: changeTimestamp, device: deviceInputSchema }),
  'device.updated': z.object({ event: z.literal('device.updated'), timestamp: changeTimestamp, device: deviceInputSchema }),
  'device.deleted': z.object({
    event: z.literal('device.deleted'),
    timestamp: changeTimestamp,
    device: z.object({ id: deviceIdSchema }),
  }),
  'discovery.requested': z.object({ event: z.literal('discovery.requested'), subnet: cidrSchema }),
} as const;

export type WebhookArgs = z.infer<(typeof webhookProcessJob)['args']>;

/**
 * What became of a delivery, counted as `webhook_deliveries_total{stage, outcome}`. At the ingress
 * (`stage="ingress"`): `accepted`, or `duplicate` when the JOBS stream already holds it. At the worker
 * (`stage="worker"`): `applied`; `duplicate`, a repeat the ingress could not tell (its first delivery
 * older than the stream's window) or a redelivered job; `superseded`, older than the device's latest
 * change; `discarded`, a payload that can never be applied (its job is in the dead letters); `ignored`, an
 * object of a kind we do not follow (a NetBox site, say), acknowledged and left.
 */
export type WebhookDeliveryOutcome = 'accepted' | 'duplicate' | 'applied' | 'superseded' | 'discarded' | 'ignored';

/** The one definition of `webhook_deliveries_total`, for the ingress and the worker (one registry may hold both). */
export function webhookDeliveriesCounter(registry: Registry): Counter<'source' | 'stage' | 'outcome'> {
  const existing = registry.getSingleMetric('webhook_deliveries_total');
  if (existing) return existing as Counter<'source' | 'stage' | 'outcome'>;
  return new Counter({
    name: 'webhook_deliveries_total',
    help: 'Incoming webhook deliveries by source, stage (ingress, worker) and outcome (accepted, duplicate, applied, superseded, discarded, ignored)',
    labelNames: ['source', 'stage', 'outcome'],
    registers: [registry],
  });
}

export interface WebhookProcessorDeps {
  pool: Pool;
  topology: Topology;
  jobs: JobRuntime;
  /** Called after a change committed (kick the outbox relay so the event goes out now, not at its next poll). */
  onChange?: () => void;
  /** See WEBHOOK_CONTENT_WINDOW_MS. */
  contentWindowMs?: number;
  /** See WEBHOOK_DELIVERY_RETENTION_MS. */
  retentionMs?: number;
  registry?: Registry;
  /** Sources whose deliveries another handler applies (a NetBox source's), by name. */
  handlers?: ReadonlyMap<string, WebhookHandler>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** What a delivery is to the worker: `new`, a `duplicate` of one remembered, or this very job `redelivered` after it committed. */
export type Claim = 'new' | 'duplicate' | 'redelivered';

/** How long deliveries are remembered (see WEBHOOK_CONTENT_WINDOW_MS and WEBHOOK_DELIVERY_RETENTION_MS). */
export interface DeliveryMemory {
  contentWindowMs: number;
  retentionMs: number;
}

/**
 * Remembers the delivery, in `tx`, unless it is remembered already: a row
 * whose memory has not run out when this delivery arrived makes it a repeat
 * (`redelivered` when the row is this very job's: it ran before and
 * committed, its acknowledgement was lost). An expired row is taken over.
 * Every kind of webhook source remembers its deliveries this way.
 */
export async function rememberDelivery(tx: PoolClient, args: WebhookArgs, jobId: string, memory: DeliveryMemory): Promise<Claim> {
  const identity = args.identity ?? 'sender';
  const receivedAt = args.receivedAt ? new Date(args.receivedAt) : new Date();
  const expiresAt = new Date(receivedAt.getTime() + (identity === 'content' ? memory.contentWindowMs : memory.retentionMs));
  const { rows } = await tx.query(
    `INSERT INTO webhook_deliveries AS d (source, delivery_id, event, identity, received_at, job_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (source, delivery_id) DO UPDATE SET event = EXCLUDED.event, identity = EXCLUDED.identity,
       received_at = EXCLUDED.received_at, job_id = EXCLUDED.job_id, expires_at = EXCLUDED.expires_at,
       outcome = 'applied', processed_at = now()
     WHERE d.expires_at <= EXCLUDED.received_at
     RETURNING 1`,
    [args.source, args.deliveryId, args.event, identity, receivedAt, jobId, expiresAt],
  );
  if (rows.length === 1) return 'new';
  const held = await tx.query<{ job_id: string | null }>('SELECT job_id FROM webhook_deliveries WHERE source = $1 AND delivery_id = $2', [
    args.source,
    args.deliveryId,
  ]);
  return held.rows[0]?.job_id === jobId ? 'redelivered' : 'duplicate';
}

/** A handler for the deliveries of sources that speak another shape (NetBox), by source name. */
export type WebhookHandler = (args: WebhookArgs, ctx: JobContext) => Promise<void | JobResult>;

/**
 * The `webhook-process` worker: applies one accepted webhook once, in order.
 * In one transaction: the delivery is remembered (a repeat within its memory
 * changes nothing), the device's latest change is compared (an older change
 * is recorded as superseded, not applied), the change is made and its device
 * event written to the outbox, so a change that committed is announced even
 * if this process dies right after. A payload that can never succeed is
 * discarded to the dead letters.
 */
export function webhookProcessor(deps: WebhookProcessorDeps) {
  const devices = new DeviceRepository(deps.pool, deps.topology);
  const contentWindowMs = deps.contentWindowMs ?? WEBHOOK_CONTENT_WINDOW_MS;
  const retentionMs = deps.retentionMs ?? WEBHOOK_DELIVERY_RETENTION_MS;
  const counter = deps.registry && webhookDeliveriesCounter(deps.registry);
  const count = (source: string, outcome: WebhookDeliveryOutcome) => counter?.inc({ source, stage: 'worker', outcome });

  return async (args: WebhookArgs, ctx: JobContext): Promise<void | JobResult> => {
    // Which worker applies a delivery follows how the ingress verified it, not only the source's name: a
    // `netbox` delivery never reaches the device.* handling, nor another scheme's the NetBox mapping.
    // (Jobs stored before the scheme was recorded go by the name.)
    const handler = deps.handlers?.get(args.source);
    if (args.scheme === 'netbox' && !handler) {
      count(args.source, 'discarded');
      return discard(`source ${args.source} signs as NetBox, and this worker has no NetBox mapping of that name (NETBOX_SOURCES)`);
    }
    if (handler && args.scheme !== undefined && args.scheme !== 'netbox') {
      count(args.source, 'discarded');
      return discard(`source ${args.source} is a NetBox source here, but the ingress verified it as scheme ${args.scheme}`);
    }
    if (handler) return handler(args, ctx);
    const schema = webhookPayloadSchemas[args.event as keyof typeof webhookPayloadSchemas];
    if (!schema) {
      count(args.source, 'discarded');
      return discard(`unknown webhook event "${args.event.slice(0, 100)}"`);
    }
    const parsed = schema.safeParse(args.payload);
    if (!parsed.success) {
      count(args.source, 'discarded');
      return discard(`invalid ${args.event} payload: ${describeIssues(parsed.error)}`);
    }
    const payload = parsed.data;

    if (payload.event === 'discovery.requested') {
      const { id } = await deps.jobs.enqueue(discoveryScanJob, { subnet: payload.subnet });
      ctx.log.info({ subnet: payload.subnet, job: id }, 'discovery requested by webhook');
      return;
    }

    const identity = args.identity ?? 'sender';
    const receivedAt = args.receivedAt ? new Date(args.receivedAt) : new Date();
    // The sender's time of the change when it gives one, else of the attempt, else the arrival.
    const changedAt = new Date(payload.timestamp ?? args.sentAt ?? receivedAt.toISOString());
    const aheadMs = changedAt.getTime() - receivedAt.getTime();
    if (aheadMs > WEBHOOK_CLOCK_SKEW_MS) {
      count(args.source, 'discarded');
      return discard(
        `timestamp ${changedAt.toISOString()} is ${Math.round(aheadMs / 1_000)} s after the delivery arrived; the sender's clock is wrong`,
      );
    }
    const deviceId = payload.device.id;
    // One event per accepted delivery: a job id is unique, where a content-derived delivery id recurs.
    const eventKey = `${args.source}:${ctx.id}`;
    const outcome = await devices.inTransaction(undefined, async (tx) => {
      const claim = await rememberDelivery(tx, args, ctx.id, { contentWindowMs, retentionMs });
      if (claim !== 'new') return claim;
      if (!(await devices.claimChange(tx, deviceId, changedAt))) {
        await tx.query(`UPDATE webhook_deliveries SET outcome = 'superseded' WHERE source = $1 AND delivery_id = $2`, [
          args.source,
          args.deliveryId,
        ]);
        return 'superseded';
      }
      if (payload.event === 'device.deleted') {
        await devices.delete(deviceId, tx, { eventKey, changedAt });
        return 'applied';
      }
      try {
        await devices.upsert(payload.device, tx, { eventKey, changedAt });
        return 'applied';
      } catch (err) {
        // The transaction is aborted: nothing of it (the claims included) commits.
        if (err instanceof DeviceConflictError) return err;
        throw err;
      }
    });
    if (outcome instanceof DeviceConflictError) {
      count(args.source, 'discarded');
      return discard(outcome.message);
    }
    // A redelivered job was counted when it ran.
    if (outcome !== 'redelivered') count(args.source, outcome);
    const where = { source: args.source, delivery: args.deliveryId, device: deviceId, event: args.event };
    if (outcome === 'applied') deps.onChange?.();
    else if (outcome === 'superseded')
      ctx.log.info({ ...where, changed_at: changedAt.toISOString() }, 'webhook change superseded by a later one');
    else if (outcome === 'duplicate') ctx.log.info({ ...where, identity }, 'webhook delivery is a repeat; not applied again');
  };
}
