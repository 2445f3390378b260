import { z } from 'zod';
import type { Topology } from '@switch-telemetry/bus';
import type { Pool } from '@switch-telemetry/db';
import { discard, type JobContext, type JobResult, type JobRuntime } from '@switch-telemetry/jobs';
import { cidrSchema } from './cidr-schema';
import { deviceIdSchema, deviceInputSchema } from '@switch-telemetry/contracts';
import { DeviceRepository } from './device-repository';
import { discoveryScanJob, type webhookProcessJob } from './jobs';
import { DeviceConflictError } from './errors';

/** The incoming webhook events we act on, and the payload each must carry. */
export const webhookPayloadSchemas = {
  'device.created': z.object({ event: z.literal('device.created'), device: deviceInputSchema }),
  'device.updated': z.object({ event: z.literal('device.updated'), device: deviceInputSchema }),
  'device.deleted': z.object({ event: z.literal('device.deleted'), device: z.object({ id: deviceIdSchema }) }),
  'discovery.requested': z.object({ event: z.literal('discovery.requested'), subnet: cidrSchema }),
} as const;

export type WebhookArgs = z.infer<(typeof webhookProcessJob)['args']>;

export interface WebhookProcessorDeps {
  pool: Pool;
  topology: Topology;
  jobs: JobRuntime;
  /** Called after a change committed (kick the outbox relay so the event goes out now, not at its next poll). */
  onChange?: () => void;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * The `webhook-process` worker: applies one accepted webhook once. The
 * delivery is claimed, the change made and its device event written to the
 * outbox in one transaction, so a sender's repeat (hours later even) changes
 * nothing, and a change that committed is announced even if this process dies
 * right after. A payload that can never succeed is discarded to the dead letters.
 */
export function webhookProcessor(deps: WebhookProcessorDeps) {
  const devices = new DeviceRepository(deps.pool, deps.topology);

  return async (args: WebhookArgs, ctx: JobContext): Promise<void | JobResult> => {
    const schema = webhookPayloadSchemas[args.event as keyof typeof webhookPayloadSchemas];
    if (!schema) return discard(`unknown webhook event "${args.event.slice(0, 100)}"`);
    const parsed = schema.safeParse(args.payload);
    if (!parsed.success) return discard(`invalid ${args.event} payload: ${describeIssues(parsed.error)}`);
    const payload = parsed.data;

    if (payload.event === 'discovery.requested') {
      const { id } = await deps.jobs.enqueue(discoveryScanJob, { subnet: payload.subnet });
      ctx.log.info({ subnet: payload.subnet, job: id }, 'discovery requested by webhook');
      return;
    }

    const eventKey = `${args.source}:${args.deliveryId}`;
    const outcome = await devices.inTransaction(undefined, async (tx) => {
      const claimed = await tx.query(
        `INSERT INTO webhook_deliveries (source, delivery_id, event) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [args.source, args.deliveryId, args.event],
      );
      if ((claimed.rowCount ?? 0) === 0) return 'repeat';
      if (payload.event === 'device.deleted') {
        await devices.delete(payload.device.id, tx, { eventKey });
        return 'applied';
      }
      try {
        await devices.upsert(payload.device, tx, { eventKey });
        return 'applied';
      } catch (err) {
        // The transaction is aborted: nothing of it (the claim included) commits.
        if (err instanceof DeviceConflictError) return err;
        throw err;
      }
    });
    if (outcome instanceof DeviceConflictError) return discard(outcome.message);
    if (outcome === 'applied') deps.onChange?.();
  };
}
