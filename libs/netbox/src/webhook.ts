import { inTransaction, type Pool } from '@switch-telemetry/db';
import type { Topology } from '@switch-telemetry/bus';
import {
  WEBHOOK_CLOCK_SKEW_MS,
  rememberDelivery,
  webhookDeliveriesCounter,
  type DeliveryMemory,
  type WebhookArgs,
  type WebhookHandler,
} from '@switch-telemetry/inventory';
import { discard } from '@switch-telemetry/jobs';
import type { Registry } from 'prom-client';
import { NetboxApplier, type ApplyCounts, type Gone } from './apply';
import type { NetboxSource } from './config';
import { mapNetboxDevice } from './mapping';
import { netboxMetrics } from './metrics';
import { isDeviceWebhook, netboxTime, netboxWebhookSchema } from './model';

export interface NetboxWebhookDeps {
  pool: Pool;
  topology: Topology;
  source: NetboxSource;
  memory: DeliveryMemory;
  registry: Registry;
  onChange?: () => void;
}

/**
 * Applies one NetBox webhook delivery (a `webhook-process` job of a source
 * with scheme `netbox`). NetBox signs no timestamp and no id, so a replayed
 * body cannot be told from a late one: a delivery is processed once per
 * request, object, event and body (the ingress names it so), and a change
 * older than the device's latest is superseded, never applied. A device
 * that does not map is recorded unmonitorable with the reason; an object
 * that is not a device is acknowledged and counted.
 */
export function netboxWebhookHandler(deps: NetboxWebhookDeps): WebhookHandler {
  const { source } = deps;
  const applier = new NetboxApplier(deps.pool, deps.topology, source);
  const metrics = netboxMetrics(deps.registry);
  const deliveries = webhookDeliveriesCounter(deps.registry);
  const count = (outcome: 'applied' | 'duplicate' | 'superseded' | 'discarded' | 'ignored') =>
    deliveries.inc({ source: source.name, stage: 'worker', outcome });

  return async (args: WebhookArgs, ctx) => {
    const parsed = netboxWebhookSchema.safeParse(args.payload);
    if (!parsed.success) {
      count('discarded');
      const issue = parsed.error.issues[0];
      return discard(`not a NetBox webhook: ${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`);
    }
    const body = parsed.data;
    if (!isDeviceWebhook(body)) {
      count('ignored');
      metrics.ignored.inc({ source: source.name, reason: 'object_type' });
      ctx.log.debug({ source: source.name, object_type: body.object_type ?? body.model }, 'NetBox webhook for an object we do not follow');
      return;
    }
    const receivedAt = args.receivedAt ? new Date(args.receivedAt) : new Date();
    const changedAt = netboxTime(body.timestamp) ?? receivedAt;
    if (changedAt.getTime() - receivedAt.getTime() > WEBHOOK_CLOCK_SKEW_MS) {
      count('discarded');
      return discard(
        `timestamp ${changedAt.toISOString()} is after the delivery arrived by more than the allowed skew; NetBox's clock is wrong`,
      );
    }
    let item;
    if (body.event === 'deleted') {
      const id = body.data.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
        count('discarded');
        return discard('a deleted device without a numeric id');
      }
      item = { state: 'gone', objectId: id } satisfies Gone;
    } else {
      item = mapNetboxDevice(body.data, source);
      if (item.state === 'invalid') {
        count('discarded');
        return discard(item.reason);
      }
    }
    const result = await inTransaction(deps.pool, async (tx): Promise<ApplyCounts | 'duplicate' | 'redelivered'> => {
      const claim = await rememberDelivery(tx, args, ctx.id, deps.memory);
      if (claim !== 'new') return claim;
      return applier.apply(tx, [item], { complete: false, changedAt, eventKey: `netbox:${source.name}:${ctx.id}` });
    });
    if (result === 'redelivered') return;
    if (result === 'duplicate') {
      count('duplicate');
      ctx.log.info({ source: source.name, delivery: args.deliveryId }, 'NetBox delivery is a repeat; not applied again');
      return;
    }
    count(result.superseded > 0 ? 'superseded' : 'applied');
    for (const change of ['created', 'updated', 'disabled', 'removed', 'superseded'] as const) {
      if (result[change] > 0) metrics.changes.inc({ source: source.name, via: 'webhook', change }, result[change]);
    }
    if (result.created + result.updated + result.disabled + result.removed > 0) deps.onChange?.();
    if (result.unmonitorable > 0 && item.state === 'unmonitorable') {
      ctx.log.info({ source: source.name, object: item.objectId, reason: item.reason }, 'NetBox device recorded as unmonitorable');
    }
  };
}
