import {
  deviceEventsLane,
  pruneWebhookMemory,
  webhookMemoryPruneJob,
  webhookProcessJob,
  webhookProcessor,
} from '@switch-telemetry/inventory';
import { runService } from '@switch-telemetry/service';
import { DISCOVERY_HTTP_PORT, DISCOVERY_OWNED_PREFIXES, discoveryConfigShape } from './config';

void runService({
  app: 'discovery',
  defaultHttpPort: DISCOVERY_HTTP_PORT,
  configShape: discoveryConfigShape,
  relayOutbox: deviceEventsLane,
  ownedPrefixes: DISCOVERY_OWNED_PREFIXES,
  start: async (ctx) => {
    const { config } = ctx;
    // The default queue's webhook processing runs here, beside the inventory it writes.
    ctx.jobs.work(
      webhookProcessJob,
      webhookProcessor({
        pool: ctx.pool,
        topology: ctx.topology,
        jobs: ctx.jobs,
        onChange: () => ctx.outbox.kick(),
        contentWindowMs: config.WEBHOOK_CONTENT_WINDOW_MS,
        retentionMs: config.WEBHOOK_DELIVERY_RETENTION_MS,
        registry: ctx.metrics,
      }),
    );
    // Every replica schedules it; one run per slot across them.
    ctx.jobs.work(webhookMemoryPruneJob, async (args, job) => {
      const pruned = await pruneWebhookMemory(ctx.pool, args, job);
      if (pruned.deliveries + pruned.marks > 0) job.log.info(pruned, 'forgot webhook deliveries and deleted devices past their memory');
    });
    ctx.jobs.schedule({
      name: 'webhook-memory',
      expression: config.WEBHOOK_PRUNE_CRON,
      type: webhookMemoryPruneJob,
      args: { retentionMs: config.WEBHOOK_DELIVERY_RETENTION_MS },
    });
  },
});
