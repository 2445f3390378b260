import { randomUUID } from 'node:crypto';
import { ALERT_SEVERITIES, deviceIdSchema, type AlertSeverity, type EndpointDisabledBody } from '@switch-telemetry/contracts';
import type { Topology } from '@switch-telemetry/bus';
import { addToOutbox, type OutboxLane } from '@switch-telemetry/outbox';
import { inTransaction, type Pool } from '@switch-telemetry/db';
import { SCHEMES, standardSecretProblem, type Scheme } from '@switch-telemetry/webhook-signatures';
import { z } from 'zod';

/** A rotated-out secret may keep signing beside the new one for at most this long (7 days). */
export const MAX_PREVIOUS_SECRET_S = 604_800;
/** Endpoints in all: every alert is matched against the enabled ones, so their number bounds that work. */
export const MAX_ENDPOINTS = 500;

/**
 * A webhook URL as shown to callers who may not see it whole: its origin, and `/…` where a path or query was.
 * Chat and incident tools put the receiver's secret there (Slack: /services/T…/B…/<secret>).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname === '/' && parsed.search === '' ? parsed.origin : `${parsed.origin}/…`;
  } catch {
    return '…';
  }
}

// The fields without defaults: a PATCH leaves what it does not send as it
// is, so defaults belong to creation only.
const endpointFields = {
  name: z.string().min(1).max(128),
  url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2_048),
  scheme: z.enum(SCHEMES),
  /** Write-only: stored to sign deliveries, never returned. */
  secret: z.string().min(16).max(512),
  /** Alert kinds (`session_down`), `*` for all. */
  events: z
    .array(z.string().regex(/^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?)$/, { message: 'an alert kind, or * ' }))
    .min(1)
    .max(64),
  enabled: z.boolean(),
  /** Alerts of this severity and above. */
  min_severity: z.enum(ALERT_SEVERITIES),
  /** Alerts of these devices only; empty for every device. */
  devices: z.array(deviceIdSchema).max(256),
  /** Alerts of devices carrying every one of these tags. */
  device_tags: z.record(z.string().min(1).max(64), z.string().max(256)).refine((t) => Object.keys(t).length <= 64, {
    message: 'at most 64 tags',
  }),
};

/** Why `secret` cannot sign under `scheme` (standard wants a `whsec_` secret; the others any of 16+ characters). */
export const secretProblem = (scheme: Scheme, secret: string) => (scheme === 'standard' ? standardSecretProblem(secret) : undefined);

export const endpointInputSchema = z
  .object({
    ...endpointFields,
    scheme: endpointFields.scheme.default('standard'),
    events: endpointFields.events.default(['*']),
    enabled: endpointFields.enabled.default(true),
    min_severity: endpointFields.min_severity.default('info'),
    devices: endpointFields.devices.default([]),
    device_tags: endpointFields.device_tags.default({}),
  })
  .strict()
  .superRefine((endpoint, ctx) => {
    const problem = secretProblem(endpoint.scheme, endpoint.secret);
    if (problem) ctx.addIssue({ code: 'custom', path: ['secret'], message: problem });
  });
export type EndpointInput = z.infer<typeof endpointInputSchema>;

export const endpointPatchSchema = z
  .object({
    ...endpointFields,
    /**
     * With a new `secret`: how long the old one keeps signing beside it
     * (each delivery then carries both signatures), so receivers can switch
     * without losing one. 0 (the default) drops it at once.
     */
    keep_previous_secret_s: z.number().int().min(0).max(MAX_PREVIOUS_SECRET_S),
  })
  .partial()
  .strict()
  .refine((p) => p.keep_previous_secret_s === undefined || p.secret !== undefined, {
    path: ['keep_previous_secret_s'],
    message: 'only with a new secret',
  })
  // The stored secret signs for the receiver it was made for: alerts re-pointed elsewhere
  // would carry signatures that receiver accepts.
  .refine((p) => p.url === undefined || p.secret !== undefined, {
    path: ['url'],
    message: 'a new url needs a new secret in the same request',
  });
export type EndpointPatch = z.infer<typeof endpointPatchSchema>;

/** An endpoint as the API answers: never its secrets. */
export const endpointSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string().describe("The URL; callers below admin see its origin only (a receiver's secret is often in its path)."),
  scheme: z.enum(SCHEMES),
  secret_set: z.literal(true),
  previous_secret_until: z.string().nullable().describe('Until when the rotated-out secret signs beside the current one.'),
  events: z.array(z.string()),
  enabled: z.boolean(),
  min_severity: z.enum(ALERT_SEVERITIES),
  devices: z.array(z.string()),
  device_tags: z.record(z.string(), z.string()),
  disabled_reason: z.string().nullable().describe('Why the notifier disabled it (410 Gone, failing too long); cleared on enabling.'),
  disabled_at: z.string().nullable(),
  failing_since: z.string().nullable().describe('Since when every attempt has failed; null after a success.'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Endpoint = z.infer<typeof endpointSchema>;

/** What the fan-out matches alerts against. */
export interface EndpointFilter {
  id: string;
  events: string[];
  min_severity: AlertSeverity;
  devices: string[];
  device_tags: Record<string, string>;
}

/** What a delivery needs of its endpoint, secrets included: never leaves the notifier. */
export interface EndpointForSending {
  id: string;
  name: string;
  url: string;
  scheme: Scheme;
  /** The current secret first, then a rotated-out one still in its overlap. */
  secrets: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** An attempt has failed since the last success. */
  failing: boolean;
}

interface Row {
  id: string;
  name: string;
  url: string;
  scheme: Scheme;
  events: string[];
  enabled: boolean;
  min_severity: AlertSeverity;
  devices: string[];
  device_tags: Record<string, string>;
  previous_secret_expires_at: Date | null;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

// The secret columns are never selected for an answer.
const COLUMNS = `id, name, url, scheme, events, enabled, min_severity, devices, device_tags,
  CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_secret_expires_at,
  disabled_reason, disabled_at, failing_since, created_at, updated_at`;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const toEndpoint = (r: Row): Endpoint => ({
  id: r.id,
  name: r.name,
  url: r.url,
  scheme: r.scheme,
  secret_set: true,
  previous_secret_until: iso(r.previous_secret_expires_at),
  events: r.events,
  enabled: r.enabled,
  min_severity: r.min_severity,
  devices: r.devices,
  device_tags: r.device_tags,
  disabled_reason: r.disabled_reason,
  disabled_at: iso(r.disabled_at),
  failing_since: iso(r.failing_since),
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

/** The scheme and secret of a PATCH do not fit together (the other half is what is stored). */
export class SecretMismatch {
  constructor(readonly problem: string) {}
}

/** The `webhook_endpoints` table: the only code that reads or writes it. */
export class EndpointRepository {
  private filters: { stamp: string; list: Promise<EndpointFilter[]> } | undefined;

  constructor(private readonly pool: Pool) {}

  async list(): Promise<Endpoint[]> {
    return (await this.pool.query<Row>(`SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY name, id`)).rows.map(toEndpoint);
  }

  async get(id: string): Promise<Endpoint | undefined> {
    const row = (await this.pool.query<Row>(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id])).rows[0];
    return row && toEndpoint(row);
  }

  /** Stores a new endpoint; undefined when MAX_ENDPOINTS exist already. */
  async create(input: EndpointInput): Promise<Endpoint | undefined> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO webhook_endpoints (id, name, url, scheme, secret, events, enabled, min_severity, devices, device_tags)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE (SELECT count(*) FROM webhook_endpoints) < $11 RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        input.name,
        input.url,
        input.scheme,
        input.secret,
        input.events,
        input.enabled,
        input.min_severity,
        input.devices,
        JSON.stringify(input.device_tags),
        MAX_ENDPOINTS,
      ],
    );
    return rows[0] && toEndpoint(rows[0]);
  }

  /**
   * Applies a PATCH: what it does not send stays. A new secret moves the old
   * one aside for `keep_previous_secret_s`; enabling clears why the notifier
   * disabled it. Undefined when there is no such endpoint; a SecretMismatch
   * when the scheme and the secret would not fit together.
   */
  async update(id: string, patch: EndpointPatch): Promise<Endpoint | SecretMismatch | undefined> {
    return inTransaction(this.pool, async (tx) => {
      // The scheme and the secret must fit together; a PATCH may send only
      // one of them, so the other is read (and locked) first.
      if (patch.scheme !== undefined || patch.secret !== undefined) {
        const current = (
          await tx.query<{ scheme: Scheme; secret: string }>('SELECT scheme, secret FROM webhook_endpoints WHERE id = $1 FOR UPDATE', [id])
        ).rows[0];
        if (!current) return undefined;
        const problem = secretProblem(patch.scheme ?? current.scheme, patch.secret ?? current.secret);
        if (problem) return new SecretMismatch(patch.secret === undefined ? `${problem}; send a new secret with the scheme` : problem);
      }
      const { rows } = await tx.query<Row>(
        `UPDATE webhook_endpoints SET
           name = COALESCE($2, name), url = COALESCE($3, url), scheme = COALESCE($4, scheme),
           previous_secret = CASE WHEN $5::text IS NULL THEN previous_secret WHEN $5 <> secret AND $11::int > 0 THEN secret END,
           previous_secret_expires_at = CASE WHEN $5::text IS NULL THEN previous_secret_expires_at
             WHEN $5 <> secret AND $11::int > 0 THEN now() + make_interval(secs => $11::int) END,
           secret = COALESCE($5, secret), events = COALESCE($6, events), enabled = COALESCE($7, enabled),
           min_severity = COALESCE($8, min_severity), devices = COALESCE($9, devices), device_tags = COALESCE($10::jsonb, device_tags),
           disabled_reason = CASE WHEN $7 IS TRUE THEN NULL ELSE disabled_reason END,
           disabled_at = CASE WHEN $7 IS TRUE THEN NULL ELSE disabled_at END,
           failing_since = CASE WHEN $7 IS TRUE AND NOT enabled THEN NULL ELSE failing_since END,
           updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          patch.name ?? null,
          patch.url ?? null,
          patch.scheme ?? null,
          patch.secret ?? null,
          patch.events ?? null,
          patch.enabled ?? null,
          patch.min_severity ?? null,
          patch.devices ?? null,
          patch.device_tags === undefined ? null : JSON.stringify(patch.device_tags),
          patch.keep_previous_secret_s ?? 0,
        ],
      );
      return rows[0] && toEndpoint(rows[0]);
    });
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM webhook_endpoints WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Disables the endpoint and says why, announcing `events.endpoint.disabled`
   * through the outbox in the same transaction. False when it was already
   * disabled (or is gone): then nothing is announced.
   */
  async disable(id: string, reason: string, subject: string): Promise<boolean> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ name: string; disabled_at: Date }>(
        `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
         WHERE id = $1 AND enabled RETURNING name, disabled_at`,
        [id, reason],
      );
      const row = rows[0];
      if (!row) return false;
      const at = row.disabled_at.toISOString();
      const payload: EndpointDisabledBody = { v: 1, endpoint: id, name: row.name, reason, at };
      await addToOutbox(tx, { subject, payload, msgId: `endpoint-disabled:${id}:${at}` });
      return true;
    });
  }

  /**
   * Notes a failed attempt: the endpoint has been failing since its first
   * failure after a success. Answers since when, and whether that is longer
   * than `disableAfterMs`.
   */
  async noteFailure(id: string, disableAfterMs: number): Promise<{ failingSince: Date; tooLong: boolean } | undefined> {
    const { rows } = await this.pool.query<{ failing_since: Date; too_long: boolean }>(
      `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()) WHERE id = $1
       RETURNING failing_since, failing_since <= now() - make_interval(secs => $2::double precision / 1000) AS too_long`,
      [id, disableAfterMs],
    );
    return rows[0] && { failingSince: rows[0].failing_since, tooLong: rows[0].too_long };
  }

  /** Notes a delivered attempt: the endpoint is no longer failing (written only when it was). */
  async noteSuccess(id: string): Promise<void> {
    await this.pool.query('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL', [id]);
  }

  /**
   * The filters of every enabled endpoint, for matching an alert. Kept, and read again only when a row was added,
   * changed or removed (each row version's transaction id, `xmin`, summed with the row count: unlike a timestamp it
   * changes whatever order concurrent writes commit in), so a burst of alerts shares one copy and an endpoint
   * added a moment ago still gets the next alert.
   */
  async enabledFilters(): Promise<EndpointFilter[]> {
    const { rows } = await this.pool.query<{ stamp: string }>({
      name: 'notifier-endpoints-stamp',
      text: `SELECT count(*) || ':' || coalesce(sum(hashtext(id::text || ':' || xmin::text)), 0) AS stamp FROM webhook_endpoints`,
    });
    const stamp = rows[0]!.stamp;
    if (this.filters?.stamp !== stamp) {
      const list = this.pool
        .query<EndpointFilter>({
          name: 'notifier-enabled-filters',
          text: 'SELECT id, events, min_severity, devices, device_tags FROM webhook_endpoints WHERE enabled',
        })
        .then((r) => r.rows);
      this.filters = { stamp, list };
      // A failed read is not kept: the next alert reads again.
      list.catch(() => {
        if (this.filters?.list === list) this.filters = undefined;
      });
    }
    return this.filters.list;
  }
}

/** The outbox lane of endpoint events: relayed by the notifier, which writes them. */
export function endpointEventsLane(topology: Topology): OutboxLane {
  return { name: 'endpoint-events', subjects: [topology.subjects.endpointEvents()] };
}
