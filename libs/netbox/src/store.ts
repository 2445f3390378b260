import type { Pool } from '@switch-telemetry/db';
import type { ApplyCounts } from './apply';

/** A listing pulled, as the API shows it. */
export interface NetboxSyncRecord {
  id: string;
  source: string;
  job_id: string | null;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  outcome: 'applied' | 'failed' | 'refused';
  counts: Partial<ApplyCounts> & { listed?: number; pages?: number };
  error_code: string | null;
  error: string | null;
}

/** A NetBox device as we see it (monitored, excluded, unmonitorable with the reason). */
export interface NetboxObjectRecord {
  object_id: number;
  name: string;
  device_id: string;
  state: 'monitored' | 'excluded' | 'unmonitorable';
  reason: string | null;
  updated_at: string;
}

/** Syncs of a source kept: the newest this many. */
export const SYNCS_KEPT = 500;

/** The netbox_syncs and netbox_objects tables, read by the API and written by the sync. */
export class NetboxStore {
  constructor(private readonly pool: Pool) {}

  async recordSync(
    entry: Omit<NetboxSyncRecord, 'id' | 'duration_ms' | 'started_at' | 'finished_at'> & { startedAt: Date },
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO netbox_syncs (source, job_id, started_at, finished_at, outcome, counts, error_code, error)
       VALUES ($1, $2, $3, now(), $4, $5, $6, $7)`,
      [
        entry.source,
        entry.job_id,
        entry.startedAt,
        entry.outcome,
        JSON.stringify(entry.counts),
        entry.error_code,
        entry.error?.slice(0, 2_000) ?? null,
      ],
    );
    await this.pool.query(
      `DELETE FROM netbox_syncs WHERE source = $1 AND id <= (SELECT id FROM netbox_syncs WHERE source = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [entry.source, SYNCS_KEPT],
    );
  }

  /** The newest syncs of a source first; `before` pages back. */
  async syncs(source: string, options: { limit?: number; before?: string } = {}): Promise<NetboxSyncRecord[]> {
    const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
    const { rows } = await this.pool.query<{
      id: string;
      source: string;
      job_id: string | null;
      started_at: Date;
      finished_at: Date;
      outcome: NetboxSyncRecord['outcome'];
      counts: NetboxSyncRecord['counts'];
      error_code: string | null;
      error: string | null;
    }>(`SELECT * FROM netbox_syncs WHERE source = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT ${limit}`, [
      source,
      options.before ?? null,
    ]);
    return rows.map((r) => ({
      ...r,
      started_at: r.started_at.toISOString(),
      finished_at: r.finished_at.toISOString(),
      duration_ms: r.finished_at.getTime() - r.started_at.getTime(),
    }));
  }

  /** NetBox devices of a source, by object id; `state` narrows (unmonitorable ones, say). */
  async objects(
    source: string,
    options: { state?: NetboxObjectRecord['state']; after?: number; limit?: number } = {},
  ): Promise<NetboxObjectRecord[]> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 500);
    const { rows } = await this.pool.query<Omit<NetboxObjectRecord, 'updated_at' | 'object_id'> & { object_id: string; updated_at: Date }>(
      `SELECT object_id, name, device_id, state, reason, updated_at FROM netbox_objects
        WHERE source = $1 AND ($2::text IS NULL OR state = $2) AND object_id > $3 ORDER BY object_id LIMIT ${limit}`,
      [source, options.state ?? null, options.after ?? 0],
    );
    return rows.map((r) => ({ ...r, object_id: Number(r.object_id), updated_at: r.updated_at.toISOString() }));
  }
}
