import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '@switch-telemetry/db';
import type { QueryConfig } from 'pg';
import type { Scheme } from '@switch-telemetry/webhook-signatures';
import { z } from 'zod';
import { Batcher } from './batcher';
import type { EndpointForSending } from './endpoints';

/** Deliveries and their attempts are kept this long (14 days), then pruned. */
export const DELIVERY_LOG_RETENTION_MS = 14 * 86_400_000;
/** Prune in batches so one run never holds a long lock. */
export const PRUNE_BATCH = 5_000;
/** A receiver's answer is kept up to this much (1 KiB). */
export const RESPONSE_EXCERPT_BYTES = 1_024;
/** The longest error message kept for an attempt. */
const ERROR_CHARS = 500;

export type DeliveryState = 'pending' | 'delivered' | 'failed';
export const ATTEMPT_OUTCOMES = ['delivered', 'retrying', 'failed', 'refused', 'disabled'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/**
 * The `webhook-id` of an alert's delivery to an endpoint: derived from both,
 * so the alert handed out again (a lost acknowledgement) is the same
 * delivery, and the receiver sees the same id on every attempt.
 */
export function deliveryIdOf(alertId: string, endpointId: string): string {
  return `msg_${createHash('sha256').update(`${alertId}\n${endpointId}`).digest('hex').slice(0, 32)}`;
}

/** A delivery with what sending it needs. */
export interface DeliveryToSend {
  id: string;
  type: string;
  body: string;
  state: DeliveryState;
  endpoint: EndpointForSending;
}

export interface AttemptRecord {
  deliveryId: string;
  outcome: AttemptOutcome;
  /** What the delivery is after this attempt. */
  state: DeliveryState;
  statusCode?: number;
  latencyMs?: number;
  errorCode?: string;
  error?: string;
  responseExcerpt?: string;
  nextRetryAt?: Date;
}

/** One attempt as the API lists them. */
export const attemptSchema = z.object({
  id: z.string(),
  delivery_id: z.string(),
  type: z.string(),
  alert_id: z.string(),
  attempt: z.number().int(),
  at: z.string(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int().nullable(),
  error_code: z.string().nullable(),
  error: z.string().nullable(),
  response_excerpt: z.string().nullable(),
  next_retry_at: z.string().nullable(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/** One delivery as the API shows it. */
export const deliverySchema = z.object({
  id: z.string().describe('The webhook-id the receiver sees, the same on every attempt and redelivery.'),
  endpoint_id: z.string(),
  alert_id: z.string(),
  type: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  created_at: z.string(),
  last_attempt_at: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
});
export type Delivery = z.infer<typeof deliverySchema>;

interface AttemptRow {
  id: string;
  delivery_id: string;
  type: string;
  alert_id: string;
  attempt: number;
  at: Date;
  outcome: AttemptOutcome;
  status_code: number | null;
  latency_ms: number | null;
  error_code: string | null;
  error: string | null;
  response_excerpt: string | null;
  next_retry_at: Date | null;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  alert_id: string;
  type: string;
  state: DeliveryState;
  attempts: number;
  created_at: Date;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
}

/**
 * A named statement: PostgreSQL parses and plans it once per connection, not
 * on every delivery (planning these was a large part of its work per delivery).
 */
const named = (name: string, text: string, values: unknown[]): QueryConfig => ({ name, text, values });

interface ToSendRow {
  id: string;
  type: string;
  body: string;
  state: DeliveryState;
  endpoint_id: string;
  name: string;
  url: string;
  scheme: Scheme;
  secret: string;
  previous_secret: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  failing: boolean;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** Cuts `text` to at most `bytes` UTF-8 bytes without splitting a character. */
function cut(text: string | undefined, bytes: number): string | null {
  if (text === undefined) return null;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  return buf
    .subarray(0, bytes)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}

/** The `notification_deliveries` and `notification_attempts` tables: the delivery log. */
export class DeliveryLog {
  private readonly reads = new Batcher<string, DeliveryToSend | undefined>((ids) => this.readMany(ids));
  private readonly writes = new Batcher<AttemptRecord, number>((records) => this.recordMany(records));

  constructor(private readonly pool: Pool) {}

  /**
   * Stores the alert's delivery to each endpoint (once: a delivery already
   * stored is left as it is) and answers the ids still to be sent — the new
   * ones, and any stored before that is still pending (its job may not have
   * been stored when the process stopped).
   */
  async storeForAlert(alertId: string, type: string, body: string, endpointIds: readonly string[]): Promise<string[]> {
    const ids = endpointIds.map((endpoint) => deliveryIdOf(alertId, endpoint));
    const { rows } = await this.pool.query<{ id: string }>(
      named(
        'notifier-store-for-alert',
        `WITH added AS (
         INSERT INTO notification_deliveries (id, endpoint_id, alert_id, type, body)
         SELECT d.id, d.endpoint_id, $3, $4, $5 FROM unnest($1::text[], $2::uuid[]) AS d (id, endpoint_id)
         ON CONFLICT (id) DO NOTHING RETURNING id)
       SELECT id FROM added
       UNION SELECT id FROM notification_deliveries WHERE id = ANY ($1::text[]) AND state = 'pending'`,
        [ids, endpointIds, alertId, type, body],
      ),
    );
    return rows.map((r) => r.id);
  }

  /**
   * Stores one delivery of its own (a test) with a new id; undefined while the endpoint has one of this type still
   * pending, so a caller cannot queue sends faster than they are made.
   */
  async storeSingle(endpointId: string, alertId: string, type: string, body: string): Promise<string | undefined> {
    const id = `msg_${randomBytes(16).toString('hex')}`;
    const { rowCount } = await this.pool.query(
      `INSERT INTO notification_deliveries (id, endpoint_id, alert_id, type, body)
       SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (
         SELECT 1 FROM notification_deliveries WHERE endpoint_id = $2 AND type = $4 AND state = 'pending')`,
      [id, endpointId, alertId, type, body],
    );
    return rowCount ? id : undefined;
  }

  /** The delivery with its endpoint as it is now (url, scheme, secrets), or undefined when either is gone. */
  toSend(id: string): Promise<DeliveryToSend | undefined> {
    return this.reads.call(id);
  }

  private async readMany(ids: string[]): Promise<Array<DeliveryToSend | undefined>> {
    const { rows } = await this.pool.query<ToSendRow>(
      named(
        'notifier-to-send',
        `SELECT d.id, d.type, d.body, d.state, e.id AS endpoint_id, e.name, e.url, e.scheme, e.secret,
           CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret, e.enabled, e.disabled_reason,
           e.failing_since IS NOT NULL AS failing
         FROM notification_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ANY ($1::text[])`,
        [ids],
      ),
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      if (!row) return undefined;
      return {
        id: row.id,
        type: row.type,
        body: row.body,
        state: row.state,
        endpoint: {
          id: row.endpoint_id,
          name: row.name,
          url: row.url,
          scheme: row.scheme,
          secrets: row.previous_secret === null ? [row.secret] : [row.secret, row.previous_secret],
          enabled: row.enabled,
          disabledReason: row.disabled_reason,
          failing: row.failing,
        },
      };
    });
  }

  /**
   * Records one attempt and what the delivery is after it; answers the
   * attempt's number (1 for the first ever). Committed without waiting for
   * the WAL flush (synchronous_commit off, for this transaction only): the
   * flush was most of a delivery's time, and what a PostgreSQL crash can
   * lose this way is the record of the last attempts, not a delivery — the
   * job itself is in JetStream, and a delivery recorded as pending again is
   * sent again with the same webhook-id.
   */
  recordAttempt(record: AttemptRecord): Promise<number> {
    return this.writes.call(record);
  }

  private async recordMany(records: AttemptRecord[]): Promise<number[]> {
    // One attempt per delivery per statement: a second attempt of the same delivery in one batch
    // (a redelivery racing a retry) is recorded by a statement of its own after it.
    const seen = new Set<string>();
    const first = records.filter((r) => !seen.has(r.deliveryId) && seen.add(r.deliveryId));
    const later = records.filter((r) => !first.includes(r));
    const { rows } = await this.pool.query<{ delivery_id: string; attempt: number }>(
      named(
        'notifier-record-attempts',
        `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),
       input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
           AS i (delivery_id, state, outcome, status_code, latency_ms, error_code, error, response_excerpt, next_retry_at)),
       d AS (
         UPDATE notification_deliveries n SET attempts = n.attempts + 1, state = i.state, last_attempt_at = now(),
           next_attempt_at = i.next_retry_at, delivered_at = CASE WHEN i.state = 'delivered' THEN now() ELSE n.delivered_at END
         FROM input i WHERE n.id = i.delivery_id RETURNING n.id, n.endpoint_id, n.attempts)
       INSERT INTO notification_attempts
         (delivery_id, endpoint_id, attempt, outcome, status_code, latency_ms, error_code, error, response_excerpt, next_retry_at)
       SELECT d.id, d.endpoint_id, d.attempts, i.outcome, i.status_code, i.latency_ms, i.error_code, i.error, i.response_excerpt, i.next_retry_at
       FROM d JOIN input i ON i.delivery_id = d.id CROSS JOIN relaxed RETURNING delivery_id, attempt`,
        [
          first.map((r) => r.deliveryId),
          first.map((r) => r.state),
          first.map((r) => r.outcome),
          first.map((r) => r.statusCode ?? null),
          first.map((r) => (r.latencyMs === undefined ? null : Math.round(r.latencyMs))),
          first.map((r) => r.errorCode ?? null),
          first.map((r) => cut(r.error, ERROR_CHARS)),
          first.map((r) => cut(r.responseExcerpt, RESPONSE_EXCERPT_BYTES)),
          first.map((r) => r.nextRetryAt ?? null),
        ],
      ),
    );
    const numbers = new Map(rows.map((r) => [r.delivery_id, r.attempt]));
    const laterNumbers = later.length > 0 ? await this.recordMany(later) : [];
    return records.map((r) => {
      const i = later.indexOf(r);
      return i >= 0 ? laterNumbers[i]! : (numbers.get(r.deliveryId) ?? 0);
    });
  }

  /** When the delivery is to be tried next, without an attempt (a snooze while the receiver's breaker is open). */
  async setNextAttempt(id: string, at: Date): Promise<void> {
    await this.pool.query('UPDATE notification_deliveries SET next_attempt_at = $2 WHERE id = $1', [id, at]);
  }

  /** Marks the delivery as given up without an attempt (its endpoint was disabled). */
  async markFailed(id: string): Promise<void> {
    await this.pool.query(`UPDATE notification_deliveries SET state = 'failed', next_attempt_at = NULL WHERE id = $1`, [id]);
  }

  /**
   * Makes a delivery pending again for a redelivery — only one that is not pending already (one job per delivery at
   * a time) and whose endpoint is enabled. Says which when it does not.
   */
  async reopen(id: string): Promise<'reopened' | 'missing' | 'pending' | 'disabled'> {
    const { rows } = await this.pool.query<{ state: DeliveryState; enabled: boolean; reopened: boolean }>(
      `WITH current AS (
         SELECT d.id, d.state, e.enabled FROM notification_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1),
       changed AS (
         UPDATE notification_deliveries d SET state = 'pending', next_attempt_at = NULL FROM current c
         WHERE d.id = c.id AND c.enabled AND c.state <> 'pending' RETURNING d.id)
       SELECT c.state, c.enabled, EXISTS (SELECT 1 FROM changed) AS reopened FROM current c`,
      [id],
    );
    const row = rows[0];
    if (!row) return 'missing';
    if (row.reopened) return 'reopened';
    return row.enabled ? 'pending' : 'disabled';
  }

  async delivery(id: string): Promise<Delivery | undefined> {
    const row = (
      await this.pool.query<DeliveryRow>(
        `SELECT id, endpoint_id, alert_id, type, state, attempts, created_at, last_attempt_at, next_attempt_at, delivered_at
         FROM notification_deliveries WHERE id = $1`,
        [id],
      )
    ).rows[0];
    if (!row) return undefined;
    return {
      ...row,
      created_at: row.created_at.toISOString(),
      last_attempt_at: iso(row.last_attempt_at),
      next_attempt_at: iso(row.next_attempt_at),
      delivered_at: iso(row.delivered_at),
    };
  }

  /** An endpoint's attempts, newest first, `limit` a page; `before` is the last id of the previous page. */
  async attempts(endpointId: string, page: { limit: number; before?: string; deliveryId?: string }): Promise<Attempt[]> {
    const { rows } = await this.pool.query<AttemptRow>(
      `SELECT a.id::text, a.delivery_id, d.type, d.alert_id, a.attempt, a.at, a.outcome, a.status_code, a.latency_ms, a.error_code,
         a.error, a.response_excerpt, a.next_retry_at
       FROM notification_attempts a JOIN notification_deliveries d ON d.id = a.delivery_id
       WHERE a.endpoint_id = $1 AND ($2::bigint IS NULL OR a.id < $2) AND ($3::text IS NULL OR a.delivery_id = $3)
       ORDER BY a.id DESC LIMIT $4`,
      [endpointId, page.before ?? null, page.deliveryId ?? null, page.limit],
    );
    return rows.map((r) => ({ ...r, at: r.at.toISOString(), next_retry_at: iso(r.next_retry_at) }));
  }

  /** Deletes deliveries (and their attempts) created more than `retentionMs` ago, in batches; answers how many. */
  async prune(retentionMs: number, batch = PRUNE_BATCH): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM notification_deliveries WHERE id IN (
           SELECT id FROM notification_deliveries WHERE created_at < now() - make_interval(secs => $1::double precision / 1000) LIMIT $2)`,
        [retentionMs, batch],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < batch) return total;
    }
  }
}
