import { HttpClient } from '@switch-telemetry/http-client';
import { DeviceRepository } from '@switch-telemetry/inventory';
import { defineJob } from '@switch-telemetry/jobs';
import {
  AddressPolicy,
  AlertFanOut,
  DeliveryLog,
  WEBHOOK_DELIVER_SPEC,
  createNotifierMetrics,
  endpointEventsLane,
  guardedLookup,
  notificationLogPruneJob,
  webhookDeliverer,
} from '@switch-telemetry/notifications';
import type { AppHandle, ServiceConfig, ServiceContext, ServiceSpec } from '@switch-telemetry/service';
import { NOTIFIER_HTTP_PORT, notifierConfigShape, type NotifierConfig } from './config';

/** How long the fan-out may finish what it took on SIGTERM; what is left comes back to another replica. */
const FAN_OUT_GRACE_MS = 5_000;

/**
 * The notifier: the alert fan-out, the `webhook-deliver` worker with its own
 * HTTP client (the address guard's lookup, one attempt per job, a breaker per
 * receiver) and the delivery log's pruning.
 */
export async function startNotifier(ctx: ServiceContext<ServiceConfig & NotifierConfig>): Promise<AppHandle> {
  const { config, log, jobs } = ctx;
  const policy = AddressPolicy.fromList(config.NOTIFIER_ALLOWED_HOSTS);
  const attemptDeadlineMs = config.NOTIFIER_CONNECT_TIMEOUT_MS + 2 * config.NOTIFIER_TIMEOUT_MS;
  // Read at each scrape, once the client below exists.
  const metrics = createNotifierMetrics(ctx.metrics, () => client.breakerStates().filter((b) => b.state !== 'closed').length);
  const client = new HttpClient({
    log: log.child({ component: 'webhooks' }),
    lookup: guardedLookup(policy),
    maxAttempts: 1,
    connectTimeoutMs: config.NOTIFIER_CONNECT_TIMEOUT_MS,
    receiveTimeoutMs: config.NOTIFIER_TIMEOUT_MS,
    deadlineMs: attemptDeadlineMs,
    breakerFailureThreshold: config.NOTIFIER_BREAKER_FAILURES,
    breakerResetTimeoutMs: config.NOTIFIER_BREAKER_RESET_MS,
    onBreakerTransition: (_origin, to) => metrics.breakerTransitions.inc({ to }),
  });

  const deliverJob = defineJob({
    ...WEBHOOK_DELIVER_SPEC,
    // The job outlives its one HTTP attempt (connect + headers + body), whatever the timeouts are set to.
    timeoutMs: Math.max(WEBHOOK_DELIVER_SPEC.timeoutMs!, attemptDeadlineMs + 10_000),
    backoff: { ...WEBHOOK_DELIVER_SPEC.backoff!, baseMs: config.NOTIFIER_RETRY_BASE_MS, capMs: config.NOTIFIER_RETRY_CAP_MS },
  });
  jobs.work(
    deliverJob,
    webhookDeliverer({
      pool: ctx.pool,
      topology: ctx.topology,
      client,
      policy,
      metrics,
      onChange: () => ctx.outbox.kick(),
      backoff: deliverJob.backoff,
      retryAfterCapMs: config.NOTIFIER_RETRY_AFTER_CAP_MS,
      disableAfterMs: config.NOTIFIER_DISABLE_AFTER_MS,
    }),
  );
  const deliveries = new DeliveryLog(ctx.pool);
  jobs.work(notificationLogPruneJob, async ({ retentionMs }, job) => {
    const pruned = await deliveries.prune(retentionMs);
    if (pruned > 0) job.log.info({ pruned }, 'deleted deliveries past the delivery log retention');
  });
  jobs.schedule({
    name: 'notification-log',
    expression: config.NOTIFIER_LOG_PRUNE_CRON,
    type: notificationLogPruneJob,
    args: { retentionMs: config.NOTIFIER_LOG_RETENTION_MS },
  });

  const devices = new DeviceRepository(ctx.pool);
  const fanOut = new AlertFanOut({
    bus: ctx.bus,
    topology: ctx.topology,
    pool: ctx.pool,
    jobs,
    log: log.child({ component: 'fan-out' }),
    metrics,
    tagsOf: async (id) => (await devices.get(id))?.tags,
  });
  await fanOut.start();
  log.info({ allowedHosts: policy.entries }, 'notifier started');
  return {
    stop: () => fanOut.stop(FAN_OUT_GRACE_MS),
    close: () => client.close(),
  };
}

/** The notifier as a service (main.ts runs it; tests run it in-process). */
export const NOTIFIER_SERVICE: ServiceSpec<typeof notifierConfigShape> = {
  app: 'notifier',
  defaultHttpPort: NOTIFIER_HTTP_PORT,
  configShape: notifierConfigShape,
  ownedPrefixes: ['NOTIFIER_'],
  // Endpoints it disables are announced through the outbox.
  relayOutbox: endpointEventsLane,
  start: startNotifier,
};
