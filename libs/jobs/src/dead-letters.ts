import type { JsMsg } from '@nats-io/jetstream';
import type { Pool } from '@switch-telemetry/db';
import type { JobErrorRecord } from './envelope';

export type DeadOutcome = 'exhausted' | 'discarded' | 'undecodable';

interface DeadJobFields {
  id: string;
  queue: string;
  worker: string;
  attempts: number;
  outcome: DeadOutcome;
  reason: string;
  errors: JobErrorRecord[];
}

/** A job that will not run again unless someone retries it. */
export interface DeadJob extends DeadJobFields {
  args: unknown;
  raw: Buffer | null;
  maxAttempts: number | null;
  enqueuedAt: Date | null;
  deadAt: Date;
}

/** What the runtime writes when a job dies. */
export interface DeadJobInput extends DeadJobFields {
  args?: unknown;
  raw?: Uint8Array;
  maxAttempts?: number;
  enqueuedAt?: string;
}

/**
 * The dead letter of a JOBS message that is not a job envelope. Its id is
 * fixed by the message (stream, sequence, time), so writing it again after a
 * redelivery changes nothing. Queue and worker come from the subject's tail.
 */
export function undecodableDeadJob(msg: JsMsg, error: unknown): DeadJobInput {
  const tokens = msg.subject.split('.');
  return {
    id: `undecodable-${msg.info.stream}-${msg.info.streamSequence}-${msg.info.timestampNanos}`,
    queue: tokens.at(-2) ?? 'unknown',
    worker: tokens.at(-1) ?? 'unknown',
    raw: msg.data,
    attempts: 0,
    outcome: 'undecodable',
    reason: (error as Error)?.message ?? String(error),
    errors: [],
  };
}

export interface DeadJobFilter {
  queue?: string;
  worker?: string;
  /** Page size (1..500). */
  limit?: number;
  /** Keyset paging: jobs that died before this one. */
  before?: { deadAt: Date; id: string };
}

interface Row {
  id: string;
  queue: string;
  worker: string;
  args: unknown;
  raw: Buffer | null;
  attempts: number;
  max_attempts: number | null;
  outcome: DeadOutcome;
  reason: string;
  errors: JobErrorRecord[];
  enqueued_at: Date | null;
  dead_at: Date;
}

function fromRow(r: Row): DeadJob {
  return {
    id: r.id,
    queue: r.queue,
    worker: r.worker,
    args: r.args,
    raw: r.raw,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    outcome: r.outcome,
    reason: r.reason,
    errors: r.errors,
    enqueuedAt: r.enqueued_at,
    deadAt: r.dead_at,
  };
}

/** The dead_jobs table (migration 0002). */
export class DeadLetterStore {
  constructor(private readonly pool: Pool) {}

  /** Records a dead job; writing the same id twice keeps the first record. */
  async insert(job: DeadJobInput): Promise<void> {
    await this.pool.query(
      `INSERT INTO dead_jobs (id, queue, worker, args, raw, attempts, max_attempts, outcome, reason, errors, enqueued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO NOTHING`,
      [
        job.id,
        job.queue,
        job.worker,
        job.args === undefined ? null : JSON.stringify(job.args),
        job.raw === undefined ? null : Buffer.from(job.raw),
        job.attempts,
        job.maxAttempts ?? null,
        job.outcome,
        job.reason,
        JSON.stringify(job.errors),
        job.enqueuedAt ?? null,
      ],
    );
  }

  /** Newest first, filtered by queue and worker, keyset-paged. */
  async list(filter: DeadJobFilter = {}): Promise<DeadJob[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.queue !== undefined) where.push(`queue = $${params.push(filter.queue)}`);
    if (filter.worker !== undefined) where.push(`worker = $${params.push(filter.worker)}`);
    if (filter.before !== undefined) {
      where.push(`(dead_at, id) < ($${params.push(filter.before.deadAt)}, $${params.push(filter.before.id)})`);
    }
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM dead_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY dead_at DESC, id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map(fromRow);
  }

  async get(id: string): Promise<DeadJob | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM dead_jobs WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  /** Deletes one dead job; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM dead_jobs WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_jobs');
    return rows[0]?.n ?? 0;
  }
}
