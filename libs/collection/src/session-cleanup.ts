import { Kvm } from '@nats-io/kv';
import { z } from 'zod';
import { publishJson, type Bus, type Topology } from '@switch-telemetry/bus';
import { defineJob, type JobContext } from '@switch-telemetry/jobs';
import type { SessionStatus } from './device-session';

/** Stale-session cleanup, on the maintenance queue (1 attempt), across the cluster. */
export const sessionCleanupJob = defineJob({
  name: 'session-cleanup',
  queue: 'maintenance',
  args: z.object({ staleAfterMs: z.number().int().positive() }),
  maxAttempts: 1,
});

/**
 * Finds sessions, on every collector, whose last update is older than the
 * stale period (the sessions KV) and asks each owner to restart them.
 * Returns the devices asked.
 */
export function sessionCleanup(deps: { bus: Bus; topology: Topology }) {
  return async ({ staleAfterMs }: { staleAfterMs: number }, ctx?: JobContext): Promise<string[]> => {
    const kv = await new Kvm(deps.bus.js).open(deps.topology.buckets.sessions.name);
    const now = Date.now();
    const asked: string[] = [];
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const status = entry.json<SessionStatus>();
      if (status.state !== 'up' && status.state !== 'synced') continue;
      const last = Date.parse(status.last_update ?? status.since);
      if (now - last < staleAfterMs) continue;
      await publishJson(deps.bus, deps.topology.subjects.sessionEvent('restart_requested'), { v: 1, device: key, reason: 'stale', at: new Date().toISOString() }, { headers: { device: key } });
      asked.push(key);
    }
    if (asked.length > 0) ctx?.log.info({ devices: asked.length }, 'stale sessions asked to restart');
    return asked;
  };
}
