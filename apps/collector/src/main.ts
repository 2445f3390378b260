import { Collector, sessionCleanup, sessionCleanupJob } from '@switch-telemetry/collection';
import { runService } from '@switch-telemetry/service';
import { COLLECTOR_HTTP_PORT, collectorConfigShape } from './config';

void runService({
  app: 'collector',
  defaultHttpPort: COLLECTOR_HTTP_PORT,
  configShape: collectorConfigShape,
  ownedPrefixes: ['COLLECTOR_'],
  // Sessions keep streaming while PostgreSQL is down; the inventory is re-read when it is back.
  servesWithoutPostgres: true,
  start: async (ctx) => {
    const { config } = ctx;
    // Stale-session cleanup: every replica schedules it, one run per slot.
    ctx.jobs.work(sessionCleanupJob, async (args, job) => void (await sessionCleanup({ bus: ctx.bus, topology: ctx.topology })(args, job)));
    ctx.jobs.schedule({
      name: 'stale-sessions',
      expression: config.COLLECTOR_CLEANUP_CRON,
      type: sessionCleanupJob,
      args: { staleAfterMs: config.COLLECTOR_STALE_AFTER_MS },
    });
    const collector = new Collector({
      bus: ctx.bus,
      topology: ctx.topology,
      pool: ctx.pool,
      log: ctx.log.child({ component: 'collector' }),
      registry: ctx.metrics,
      policy: {
        staleMs: config.COLLECTOR_STALE_AFTER_MS,
        parkMs: config.COLLECTOR_PARK_MS,
        spreadMs: config.COLLECTOR_SPREAD_MS,
        backoff: { baseMs: config.COLLECTOR_BACKOFF_BASE_MS, capMs: config.COLLECTOR_BACKOFF_CAP_MS, jitter: 0.5 },
      },
      runner: { connectTimeoutMs: config.COLLECTOR_CONNECT_TIMEOUT_MS },
      sink: { bufferPerDevice: config.COLLECTOR_BUFFER_PER_DEVICE, maxInFlight: config.COLLECTOR_MAX_IN_FLIGHT },
      resyncMs: config.COLLECTOR_RESYNC_MS,
      maxConnecting: config.COLLECTOR_MAX_CONNECTING,
      secrets: {
        env: process.env,
        ...(config.COLLECTOR_CREDENTIALS_DIR ? { credentialsDir: config.COLLECTOR_CREDENTIALS_DIR } : {}),
        ...(config.COLLECTOR_TRUST_DIR ? { trustDir: config.COLLECTOR_TRUST_DIR } : {}),
      },
    });
    await collector.start();
    // SIGTERM: hand every device over (leases released), flushing what is buffered.
    return { stop: () => collector.stop() };
  },
});
