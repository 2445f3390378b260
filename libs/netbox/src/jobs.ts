import { netboxSyncArgsSchema } from '@switch-telemetry/contracts';
import { defineJob } from '@switch-telemetry/jobs';

/**
 * Pull one source's listing and apply it (10 minutes at most: ten thousand
 * devices are ten pages; 5 attempts, 30 s, 1 min, 2 min, 4 min apart, and
 * the next cron slot starts again anyway).
 */
export const netboxSyncJob = defineJob({
  name: 'netbox-sync',
  queue: 'maintenance',
  args: netboxSyncArgsSchema,
  maxAttempts: 5,
  timeoutMs: 600_000,
  backoff: { baseMs: 30_000, capMs: 600_000, jitter: 0.5 },
  // A sync asked for again within 5 minutes (the API, a slot) is the same run.
  unique: true,
});
