import { restartRequest, sessionCleanupArgsSchema, sessionStatusSchema } from '@switch-telemetry/contracts';
import { openBucket, publishJson, type Bus, type Topology } from '@switch-telemetry/bus';
import { defineJob, type JobContext } from '@switch-telemetry/jobs';

/** Stale-session cleanup, on the maintenance queue (1 attempt), across the cluster. */
export const sessionCleanupJob = defineJob({
  name: 'session-cleanup',
  queue: 'maintenance',
  args: sessionCleanupArgsSchema,
  maxAttempts: 1,
});

/**
 * Finds sessions, on every collector, whose last update is older than the
 * stale period (the sessions KV) and asks each owner to restart them.
 * Returns the devices asked.
 */
export function sessionCleanup(deps: { bus: Bus; topology: Topology }) {
  return async ({ staleAfterMs }: { staleAfterMs: number }, ctx?: JobContext): Promise<string[]> => {
    const kv = await openBucket(deps.bus, deps.topology.buckets.sessions);
    const now = Date.now();
    const asked: string[] = [];
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const parsed = sessionStatusSchema.safeParse(entry.json());
      if (!parsed.success) continue; // not a status we wrote: nothing to act on
      const status = parsed.data;
      if (status.state !== 'up' && status.state !== 'synced') continue;
      const last = Date.parse(status.last_update ?? status.since);
      if (now - last < staleAfterMs) continue;
      await publishJson(deps.bus, deps.topology.subjects.sessionEvent('restart_requested'), restartRequest(key, 'stale'), {
        headers: { device: key },
      });
      asked.push(key);
    }
    if (asked.length > 0) ctx?.log.info({ devices: asked.length }, 'stale sessions asked to restart');
    return asked;
  };
}
