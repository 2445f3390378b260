import type { Pool } from '@switch-telemetry/db';
import type { JobContext } from '@switch-telemetry/jobs';

/** Rows deleted per statement: short transactions that do not hold up the webhook worker. */
const PRUNE_BATCH = 5_000;

export interface PruneResult {
  deliveries: number;
  marks: number;
}

async function deleteInBatches(pool: Pool, sql: string, params: unknown[], ctx?: Pick<JobContext, 'signal' | 'working'>): Promise<number> {
  let total = 0;
  for (;;) {
    ctx?.signal.throwIfAborted();
    const { rowCount } = await pool.query(sql, params);
    total += rowCount ?? 0;
    ctx?.working();
    if ((rowCount ?? 0) < PRUNE_BATCH) return total;
  }
}

/**
 * The `webhook-memory-prune` job: deletes remembered webhook deliveries
 * whose memory has run out (their `expires_at`, set when they were
 * processed) and the change marks of devices deleted longer ago than
 * `retentionMs`. Only those: a delivery still remembered keeps its repeats
 * out, a recent deletion keeps an older change from bringing the device back.
 */
export async function pruneWebhookMemory(
  pool: Pool,
  { retentionMs }: { retentionMs: number },
  ctx?: Pick<JobContext, 'signal' | 'working'>,
): Promise<PruneResult> {
  const deliveries = await deleteInBatches(
    pool,
    `DELETE FROM webhook_deliveries WHERE ctid IN (SELECT ctid FROM webhook_deliveries WHERE expires_at < now() LIMIT ${PRUNE_BATCH})`,
    [],
    ctx,
  );
  const marks = await deleteInBatches(
    pool,
    `DELETE FROM device_change_marks WHERE ctid IN (
       SELECT ctid FROM device_change_marks WHERE deleted AND recorded_at < now() - make_interval(secs => $1) LIMIT ${PRUNE_BATCH})`,
    [retentionMs / 1_000],
    ctx,
  );
  return { deliveries, marks };
}
