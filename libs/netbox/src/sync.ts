import { inTransaction, type Pool } from '@switch-telemetry/db';
import type { Topology } from '@switch-telemetry/bus';
import { CircuitOpenError, type HttpClient } from '@switch-telemetry/http-client';
import { discard, snooze, type JobContext, type JobResult } from '@switch-telemetry/jobs';
import type { Registry } from 'prom-client';
import { NetboxApplier, type ApplyCounts } from './apply';
import { listNetboxDevices } from './client';
import type { NetboxSource } from './config';
import { NetboxListingTooLargeError, NetboxSyncRefusedError } from './errors';
import { mapNetboxDevice, type Mapped } from './mapping';
import { netboxMetrics } from './metrics';
import { NetboxStore } from './store';

export interface NetboxSyncDeps {
  pool: Pool;
  topology: Topology;
  /** The client the listing is read with (its breaker per origin, retries, timeouts). */
  http: HttpClient;
  sources: ReadonlyMap<string, NetboxSource>;
  tokens: Readonly<Record<string, string>>;
  pageDeadlineMs: number;
  registry: Registry;
  /** Called after a sync changed devices (kick the outbox relay). */
  onChange?: () => void;
}

/** What a sync found and did. */
export type SyncCounts = ApplyCounts & { listed: number; pages: number };

function describe(err: unknown): { code: string | null; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e.code === 'string' ? e.code : null, message: typeof e.message === 'string' ? e.message : String(err) };
}

/**
 * The `netbox-sync` worker: reads the source's whole listing, maps every
 * device, and applies the difference in one transaction. A listing that
 * fails at any page applies nothing; an open breaker to NetBox snoozes the
 * job without using an attempt; a refused listing (it would empty the
 * source) goes to the dead letters with its reason. Every run is recorded.
 */
export function netboxSyncWorker(deps: NetboxSyncDeps) {
  const store = new NetboxStore(deps.pool);
  const metrics = netboxMetrics(deps.registry);

  return async (args: { source: string }, ctx: JobContext): Promise<void | JobResult> => {
    const source = deps.sources.get(args.source);
    if (!source) return discard(`no NetBox source named ${args.source} is configured here (NETBOX_SOURCES)`);
    const token = deps.tokens[source.name];
    if (!token) return discard(`NETBOX_TOKENS has no token for source ${source.name}`);
    const startedAt = new Date();
    const stopTimer = metrics.syncDuration.startTimer({ source: source.name });
    const record = (outcome: 'applied' | 'failed' | 'refused', counts: Partial<SyncCounts>, err?: unknown) => {
      const error = err === undefined ? undefined : describe(err);
      return store
        .recordSync({
          source: source.name,
          job_id: ctx.id,
          startedAt,
          outcome,
          counts,
          error_code: error?.code ?? null,
          error: error?.message ?? null,
        })
        .catch((e: unknown) => ctx.log.warn({ err: e }, 'sync record not written'));
    };
    let listed: { listed: number; pages: number } | undefined;
    try {
      const listing = await listNetboxDevices(deps.http, source, token, { pageDeadlineMs: deps.pageDeadlineMs, signal: ctx.signal });
      listed = { listed: listing.devices.length, pages: listing.pages };
      ctx.working();
      const mapped = listing.devices.map((d) => mapNetboxDevice(d, source)).filter((m): m is Mapped => m.state !== 'invalid');
      const applier = new NetboxApplier(deps.pool, deps.topology, source);
      const counts = await inTransaction(deps.pool, (tx) =>
        applier.apply(tx, mapped, { complete: true, changedAt: startedAt, eventKey: `netbox-sync:${ctx.id}` }),
      );
      const summary: SyncCounts = { ...counts, ...listed };
      await record('applied', summary);
      stopTimer();
      metrics.syncs.inc({ source: source.name, outcome: 'applied' });
      metrics.lastSuccess.set({ source: source.name }, Date.now() / 1_000);
      for (const change of ['created', 'updated', 'disabled', 'removed', 'superseded'] as const) {
        if (counts[change] > 0) metrics.changes.inc({ source: source.name, via: 'sync', change }, counts[change]);
      }
      const states = { monitored: 0, excluded: counts.excluded, unmonitorable: counts.unmonitorable };
      states.monitored = mapped.length - counts.excluded - counts.unmonitorable;
      for (const [state, n] of Object.entries(states)) metrics.objects.set({ source: source.name, state }, n);
      if (counts.created + counts.updated + counts.disabled + counts.removed > 0) deps.onChange?.();
      ctx.log.info({ source: source.name, ...summary, ms: Date.now() - startedAt.getTime() }, 'NetBox listing applied');
      return;
    } catch (err) {
      stopTimer();
      if (err instanceof CircuitOpenError) {
        // NetBox keeps failing: wait for the breaker's trial without using an attempt.
        metrics.syncs.inc({ source: source.name, outcome: 'snoozed' });
        await record('failed', listed ?? {}, err);
        return snooze(err.retryAfterMs / 1_000 + 1);
      }
      if (err instanceof NetboxSyncRefusedError || err instanceof NetboxListingTooLargeError) {
        metrics.syncs.inc({ source: source.name, outcome: 'refused' });
        await record('refused', listed ?? {}, err);
        ctx.log.error({ source: source.name, err }, 'NetBox listing refused; nothing applied');
        return discard(err.message);
      }
      metrics.syncs.inc({ source: source.name, outcome: 'failed' });
      await record('failed', listed ?? {}, err);
      throw err;
    }
  };
}
