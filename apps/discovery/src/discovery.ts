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
import { HttpClient } from '@switch-telemetry/http-client';
import { netboxSyncJob, netboxSyncWorker, netboxWebhookHandler } from '@switch-telemetry/netbox';
import type { AppHandle, ServiceConfig, ServiceContext, ServiceSpec } from '@switch-telemetry/service';
import { DISCOVERY_HTTP_PORT, DISCOVERY_OWNED_PREFIXES, discoveryConfigShape } from './config';
import type { z } from '@switch-telemetry/config';

type DiscoveryConfig = ServiceConfig & z.infer<z.ZodObject<typeof discoveryConfigShape>>;

/**
 * NetBox pages are large (a thousand devices are a few MB); the process's shared
 * client keeps answers to 1 MiB. 16 MiB holds a page of five thousand.
 */
const NETBOX_MAX_RESPONSE_BYTES = 16 * 1_048_576;

/** The discovery: webhook processing beside the inventory it writes, subnet scans, and NetBox sources followed. */
export async function startDiscovery(ctx: ServiceContext<DiscoveryConfig>): Promise<AppHandle> {
  const { config } = ctx;
  const memory = { contentWindowMs: config.WEBHOOK_CONTENT_WINDOW_MS, retentionMs: config.WEBHOOK_DELIVERY_RETENTION_MS };
  const netboxSources = new Map(config.NETBOX_SOURCES.map((s) => [s.name, s]));
  const onChange = () => ctx.outbox.kick();
  // Deliveries of a NetBox source (scheme netbox) go through its mapping.
  const handlers = new Map(
    config.NETBOX_SOURCES.map((source) => [
      source.name,
      netboxWebhookHandler({ pool: ctx.pool, topology: ctx.topology, source, memory, registry: ctx.metrics, onChange }),
    ]),
  );
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
      handlers,
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

  // NetBox listings, pulled on each source's schedule (one run per slot across replicas) or when asked for.
  const netboxHttp = new HttpClient({
    log: ctx.log.child({ component: 'netbox' }),
    maxResponseBytes: NETBOX_MAX_RESPONSE_BYTES,
    receiveTimeoutMs: 30_000,
    deadlineMs: config.NETBOX_PAGE_DEADLINE_MS,
  });
  ctx.jobs.work(
    netboxSyncJob,
    netboxSyncWorker({
      pool: ctx.pool,
      topology: ctx.topology,
      http: netboxHttp,
      sources: netboxSources,
      tokens: config.NETBOX_TOKENS,
      pageDeadlineMs: config.NETBOX_PAGE_DEADLINE_MS,
      registry: ctx.metrics,
      onChange,
    }),
  );
  for (const source of config.NETBOX_SOURCES) {
    ctx.jobs.schedule({ name: `netbox-${source.name}`, expression: source.sync_cron, type: netboxSyncJob, args: { source: source.name } });
  }
  return { stop: async () => undefined, close: () => netboxHttp.close() };
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
