import { openBucket } from '@switch-telemetry/bus';
import { resolveCredentials } from '@switch-telemetry/collection';
import { defineJob } from '@switch-telemetry/jobs';
import {
  DISCOVERY_SCAN_SPEC,
  deviceEventsLane,
  discoveryScanJob,
  pruneWebhookMemory,
  webhookMemoryPruneJob,
  webhookProcessJob,
  webhookProcessor,
} from '@switch-telemetry/inventory';
import { DiscoveredDevices, ScanStore, scanWorker, subnetPolicyFrom, type DiscoveryProfile } from '@switch-telemetry/scanning';
import type { ServiceConfig, ServiceContext, ServiceSpec } from '@switch-telemetry/service';
import { DISCOVERY_HTTP_PORT, DISCOVERY_OWNED_PREFIXES, discoveryConfigShape } from './config';
import type { z } from '@switch-telemetry/config';

type DiscoveryConfig = ServiceConfig & z.infer<z.ZodObject<typeof discoveryConfigShape>>;

/** The discovery: webhook processing beside the inventory it writes, and subnet scans. */
export async function startDiscovery(ctx: ServiceContext<DiscoveryConfig>): Promise<void> {
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
    // Scans past their retention go with the same maintenance round.
    const scans = await new ScanStore(ctx.pool).prune(config.DISCOVERY_RESULT_RETENTION_MS);
    if (scans > 0) job.log.info({ scans }, 'deleted discovery scans past their retention');
  });
  ctx.jobs.schedule({
    name: 'webhook-memory',
    expression: config.WEBHOOK_PRUNE_CRON,
    type: webhookMemoryPruneJob,
    args: { retentionMs: config.WEBHOOK_DELIVERY_RETENTION_MS },
  });

  const sources = { ...(config.DISCOVERY_CREDENTIALS_DIR ? { credentialsDir: config.DISCOVERY_CREDENTIALS_DIR } : {}), env: process.env };
  const credentialsOf = async (profile: DiscoveryProfile) => (profile.credentials ? resolveCredentials(profile.credentials, sources) : {});
  ctx.jobs.work(
    defineJob({ ...DISCOVERY_SCAN_SPEC, timeoutMs: config.DISCOVERY_SCAN_TIMEOUT_MS }),
    scanWorker({
      pool: ctx.pool,
      progress: await openBucket(ctx.bus, ctx.topology.buckets.discoveryScans),
      policy: subnetPolicyFrom(config),
      profiles: config.DISCOVERY_PROFILES,
      credentialsOf,
      discovered: new DiscoveredDevices(ctx.pool, {
        subscriptions: config.DISCOVERY_DEFAULT_SUBSCRIPTIONS,
        onChange: () => ctx.outbox.kick(),
      }),
      gnmiPorts: config.DISCOVERY_GNMI_PORTS,
      netconfPorts: config.DISCOVERY_NETCONF_PORTS,
      concurrency: config.DISCOVERY_CONCURRENCY,
      probeTimeoutMs: config.DISCOVERY_PROBE_TIMEOUT_MS,
      ratePerS: config.DISCOVERY_RATE_PER_S,
      identifyTimeoutMs: config.DISCOVERY_IDENTIFY_TIMEOUT_MS,
      missingAfterScans: config.DISCOVERY_MISSING_AFTER_SCANS,
      log: ctx.log.child({ component: 'scan' }),
    }),
  );
  // Periodic re-discovery: one scan per slot across replicas (the cron slot is the job's id).
  config.DISCOVERY_SCHEDULE.forEach((entry, i) =>
    ctx.jobs.schedule({ name: `discovery-${i}`, expression: entry.cron, type: discoveryScanJob, args: { subnet: entry.subnet } }),
  );
}

/** The discovery as a service (main.ts runs it; tests run it in-process). */
export const DISCOVERY_SERVICE: ServiceSpec<typeof discoveryConfigShape> = {
  app: 'discovery',
  defaultHttpPort: DISCOVERY_HTTP_PORT,
  configShape: discoveryConfigShape,
  relayOutbox: deviceEventsLane,
  ownedPrefixes: DISCOVERY_OWNED_PREFIXES,
  start: startDiscovery,
};
