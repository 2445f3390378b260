import type { Pool } from '@switch-telemetry/db';
import { z } from 'zod';
import type { ScanCounts } from './probe';

/** Scans and their results are kept this long (7 days), then pruned. */
export const SCAN_RETENTION_MS = 7 * 86_400_000;

export const SCAN_STATES = ['running', 'finished', 'cancelled', 'failed'] as const;
export type ScanState = (typeof SCAN_STATES)[number];

/** A scan as the API shows it. */
export const scanSchema = z.object({
  id: z.string(),
  subnet: z.string(),
  state: z.enum(SCAN_STATES),
  total: z.number().int().describe('Addresses to probe.'),
  probed: z.number().int(),
  open: z.number().int().describe('Open ports found.'),
  refused: z.number().int(),
  timed_out: z.number().int(),
  errors: z.number().int(),
  identified: z.number().int().describe('Open ports identified as gNMI or NETCONF devices.'),
  created_devices: z.number().int(),
  attempt: z.number().int(),
  cancel_requested: z.boolean(),
  error: z.string().nullable(),
  started_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
});
export type Scan = z.infer<typeof scanSchema>;

/** One open port of a scan. */
export const scanResultSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  protocol: z.enum(['gnmi', 'netconf']).nullable(),
  profile: z.string().nullable(),
  reason: z.string().nullable().describe('Why it is not identified: auth_refused, not_gnmi, not_netconf, timeout, no_profile.'),
  message: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  device_id: z.string().nullable(),
});
export type ScanResult = z.infer<typeof scanResultSchema>;

interface ScanRow extends Omit<Scan, 'started_at' | 'updated_at' | 'finished_at' | 'cancel_requested'> {
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  cancel_requested_at: Date | null;
}

const COLUMNS = `id, subnet, state, total, probed, open, refused, timed_out, errors, identified, created_devices, attempt,
  cancel_requested_at, error, started_at, updated_at, finished_at`;

const toScan = ({ cancel_requested_at, ...r }: ScanRow): Scan => ({
  ...r,
  cancel_requested: cancel_requested_at !== null,
  started_at: r.started_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
  finished_at: r.finished_at?.toISOString() ?? null,
});

/** The `discovery_scans` and `discovery_results` tables. */
export class ScanStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Starts (or starts again: a job run again after its process died) the scan `id`: counts reset, earlier
   * results of it removed, so a redone scan reports only what it found itself.
   */
  async begin(id: string, subnet: string, total: number): Promise<void> {
    await this.pool.query('DELETE FROM discovery_results WHERE scan_id = $1', [id]);
    await this.pool.query(
      `INSERT INTO discovery_scans (id, subnet, state, total) VALUES ($1, $2, 'running', $3)
       ON CONFLICT (id) DO UPDATE SET state = 'running', total = $3, probed = 0, open = 0, refused = 0, timed_out = 0, errors = 0,
         identified = 0, created_devices = 0, attempt = discovery_scans.attempt + 1, error = NULL, updated_at = now(), finished_at = NULL`,
      [id, subnet, total],
    );
  }

  /** Writes the counts so far; answers whether someone asked for the scan to stop. */
  async progress(id: string, counts: ScanCounts, identified: number, created: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ cancel: boolean }>(
      `UPDATE discovery_scans SET probed = $2, open = $3, refused = $4, timed_out = $5, errors = $6, identified = $7, created_devices = $8,
         updated_at = now() WHERE id = $1 RETURNING cancel_requested_at IS NOT NULL AS cancel`,
      [id, counts.probed, counts.open, counts.refused, counts.timeout, counts.errors, identified, created],
    );
    return rows[0]?.cancel ?? false;
  }

  async finish(id: string, state: Exclude<ScanState, 'running'>, error?: string): Promise<void> {
    await this.pool.query(`UPDATE discovery_scans SET state = $2, error = $3, finished_at = now(), updated_at = now() WHERE id = $1`, [
      id,
      state,
      error ?? null,
    ]);
  }

  async addResult(scanId: string, result: ScanResult): Promise<void> {
    await this.pool.query(
      `INSERT INTO discovery_results (scan_id, address, port, protocol, profile, reason, message, details, device_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (scan_id, address, port) DO UPDATE SET protocol = $4, profile = $5, reason = $6, message = $7, details = $8, device_id = $9`,
      [
        scanId,
        result.address,
        result.port,
        result.protocol,
        result.profile,
        result.reason,
        result.message,
        JSON.stringify(result.details),
        result.device_id,
      ],
    );
  }

  /** Asks a running scan to stop (it looks at each progress write, about every second); false when there is none running. */
  async requestCancel(id: string): Promise<'requested' | 'missing' | 'not-running'> {
    const { rows } = await this.pool.query<{ state: ScanState }>(
      `UPDATE discovery_scans SET cancel_requested_at = COALESCE(cancel_requested_at, now()) WHERE id = $1 RETURNING state`,
      [id],
    );
    if (!rows[0]) return 'missing';
    return rows[0].state === 'running' ? 'requested' : 'not-running';
  }

  async get(id: string): Promise<Scan | undefined> {
    const row = (await this.pool.query<ScanRow>(`SELECT ${COLUMNS} FROM discovery_scans WHERE id = $1`, [id])).rows[0];
    return row && toScan(row);
  }

  async list(limit: number): Promise<Scan[]> {
    return (await this.pool.query<ScanRow>(`SELECT ${COLUMNS} FROM discovery_scans ORDER BY started_at DESC LIMIT $1`, [limit])).rows.map(
      toScan,
    );
  }

  async results(id: string, limit: number): Promise<ScanResult[]> {
    const { rows } = await this.pool.query<ScanResult>(
      `SELECT address, port, protocol, profile, reason, message, details, device_id FROM discovery_results
       WHERE scan_id = $1 ORDER BY address, port LIMIT $2`,
      [id, limit],
    );
    return rows;
  }

  /** Deletes scans (with their results) that started more than `retentionMs` ago; answers how many. */
  async prune(retentionMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM discovery_scans WHERE state <> 'running' AND started_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [retentionMs],
    );
    return rowCount ?? 0;
  }
}
