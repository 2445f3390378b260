import { z } from 'zod';
import type { Bus, Topology } from '@switch-telemetry/bus';
import type { Pool } from '@switch-telemetry/db';
import { discard, type JobContext, type JobResult, type JobRuntime } from '@switch-telemetry/jobs';
import { deviceIdSchema, deviceInputSchema, cidrSchema } from './device';
import { DeviceRepository } from './device-repository';
import { publishDeviceEvent } from './device-events';
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
  bus: Bus;
  topology: Topology;
  jobs: JobRuntime;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * The `webhook-process` worker: applies one accepted webhook once. The
 * delivery is claimed in the same transaction as the change it makes, so a
 * sender's repeat (hours later even) changes nothing; the device event is
 * published after commit, and published again if a retry finds the delivery
 * already claimed (the previous attempt may have died in between).
 * A payload that can never succeed is discarded to the dead letters.
 */
export function webhookProcessor(deps: WebhookProcessorDeps) {
  const devices = new DeviceRepository(deps.pool);
  const dedupe = (args: WebhookArgs) => `${args.source}:${args.deliveryId}`;

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

    const change = await devices.inTransaction(undefined, async (tx) => {
      const claimed = await tx.query(
        `INSERT INTO webhook_deliveries (source, delivery_id, event) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [args.source, args.deliveryId, args.event],
      );
      const first = (claimed.rowCount ?? 0) > 0;
      if (payload.event === 'device.deleted') {
        if (first) await devices.delete(payload.device.id, tx);
        return { first, deletedId: payload.device.id };
      }
      if (!first) return { first, device: await devices.get(payload.device.id, tx) };
      try {
        return { first, device: (await devices.upsert(payload.device, tx)).device };
      } catch (err) {
        if (err instanceof DeviceConflictError) return { first, conflict: err.message };
        throw err;
      }
    });

    if ('conflict' in change && change.conflict) return discard(change.conflict);
    // A repeat of a delivery whose event surely went out (first attempt) is done.
    if (!change.first && ctx.attempt === 1) return;
    if ('deletedId' in change && change.deletedId) {
      await publishDeviceEvent(deps.bus, deps.topology, { v: 1, event: 'deleted', id: change.deletedId }, dedupe(args));
    } else if ('device' in change && change.device) {
      await publishDeviceEvent(deps.bus, deps.topology, { v: 1, event: 'upserted', device: change.device }, dedupe(args));
    }
  };
}
