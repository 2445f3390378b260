import type { Bus } from '@switch-telemetry/bus';
import type { Pool } from '@switch-telemetry/db';
import type { Logger } from '@switch-telemetry/logging';
import { Counter, Gauge, type Registry } from 'prom-client';

/** How often the relay looks for rows nobody kicked it for (a replica that died after its commit). */
export const OUTBOX_POLL_MS = 1_000;
/** Rows published per transaction. */
export const OUTBOX_BATCH = 200;
export const OUTBOX_PUBLISH_TIMEOUT_MS = 5_000;
// One relay at a time per lane across every replica and app: rows go out in
// id order, so two changes of one device are announced in the order they committed.
const RELAY_LOCK_KEY = 0x5717_0002;

/**
 * The rows one relay publishes: those whose subject matches one of
 * `subjects` (NATS filters ending in `>`). Each app relays only the events
 * it may publish (a NATS user per app), and each lane has its own lock, so
 * an app's lane never holds up another's.
 */
export interface OutboxLane {
  name: string;
  subjects: readonly string[];
}

/** A lane's lock: the default key for none (every row), else one derived from its name. */
export function laneLockKey(lane: OutboxLane | undefined): number {
  if (!lane) return RELAY_LOCK_KEY;
  let hash = 0;
  for (const ch of lane.name) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0;
  return RELAY_LOCK_KEY + 1 + (Math.abs(hash) % 0xffff);
}

/** `events.device.>` → `events.device.%` (LIKE, with its own wildcards escaped). */
function likePattern(filter: string): string {
  if (!filter.endsWith('.>')) throw new Error(`outbox lane subject ${filter} must end in .>`);
  return `${filter.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface OutboxRelayOptions {
  pool: Pool;
  bus: Pick<Bus, 'publish' | 'isConnected'>;
  log: Logger;
  registry?: Registry;
  pollMs?: number;
  batch?: number;
  publishTimeoutMs?: number;
  /** Publish only this lane's rows (default: every row, under the default lock). */
  lane?: OutboxLane;
}

interface Row {
  id: string;
  subject: string;
  msg_id: string;
  headers: Record<string, string>;
  payload: Buffer;
}

/**
 * Publishes what the outbox holds, oldest first, one at a time (order is the
 * point), deleting each row in the same transaction once JetStream has
 * acknowledged it. A failed publish ends the round; the rest waits for the
 * next one. Runs on every poll and whenever `kick()` is called after a commit.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly published: Counter | undefined;
  private readonly failures: Counter | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    if (options.registry) {
      this.published = new Counter({
        name: 'outbox_published_total',
        help: 'Outbox messages published and removed',
        registers: [options.registry],
      });
      this.failures = new Counter({
        name: 'outbox_publish_failures_total',
        help: 'Outbox rounds that stopped at a failed publish or query',
        registers: [options.registry],
      });
      const pool = options.pool;
      new Gauge({
        name: 'outbox_pending',
        help: 'Messages waiting in the outbox',
        registers: [options.registry],
        async collect() {
          const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox').catch(() => ({ rows: [{ n: 'NaN' }] }));
          this.set(Number(rows[0]!.n));
        },
      });
    }
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? OUTBOX_POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Runs a round soon (one at a time; a kick during a round runs one more after it). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err) => {
        this.failures?.inc();
        this.options.log.warn({ err }, 'outbox round failed; the next one retries');
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when the outbox is empty or `timeoutMs` has passed (tests, graceful stop). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await this.options.pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
      if (Number(rows[0]!.n) === 0) return true;
      this.kick();
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async round(): Promise<void> {
    if (!this.options.bus.isConnected()) return;
    const client = await this.options.pool.connect();
    try {
      for (let more = true; more && !this.stopped;) {
        await client.query('BEGIN');
        try {
          const { rows: lock } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
            laneLockKey(this.options.lane),
          ]);
          // Another replica's relay is at work; it will take these rows.
          if (!lock[0]!.ok) {
            await client.query('ROLLBACK');
            return;
          }
          const limit = this.options.batch ?? OUTBOX_BATCH;
          const lane = this.options.lane;
          const { rows } = lane
            ? await client.query<Row>(
                'SELECT id, subject, msg_id, headers, payload FROM outbox WHERE subject LIKE ANY ($2::text[]) ORDER BY id LIMIT $1',
                [limit, lane.subjects.map(likePattern)],
              )
            : await client.query<Row>('SELECT id, subject, msg_id, headers, payload FROM outbox ORDER BY id LIMIT $1', [limit]);
          const done: string[] = [];
          let failed: unknown;
          for (const row of rows) {
            try {
              await this.options.bus.publish(row.subject, row.payload, {
                msgId: row.msg_id,
                headers: { 'Content-Type': 'application/json', ...row.headers },
                timeoutMs: this.options.publishTimeoutMs ?? OUTBOX_PUBLISH_TIMEOUT_MS,
              });
              done.push(row.id);
            } catch (err) {
              failed = err;
              break;
            }
          }
          if (done.length > 0) await client.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [done]);
          await client.query('COMMIT');
          this.published?.inc(done.length);
          if (failed) throw failed;
          more = rows.length === limit;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }
    } finally {
      client.release();
    }
  }
}
