import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SCHEMES, standardSecretProblem, type Scheme } from '@switch-telemetry/webhook-signatures';
import type { IngressDeps } from '../deps';
import { ProblemError } from '../problem';
import type { Api } from '../routes';

// The fields without defaults: a PATCH leaves what it does not send as it
// is, so defaults belong to creation only.
const endpointFields = {
  name: z.string().min(1).max(128),
  url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2_048),
  scheme: z.enum(SCHEMES),
  /** Write-only: stored to sign deliveries, never returned. */
  secret: z.string().min(16).max(512),
  events: z
    .array(z.string().regex(/^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?)$/, { message: 'an alert kind, or * ' }))
    .min(1)
    .max(64),
  enabled: z.boolean(),
};

/** Why `secret` cannot sign under `scheme` (standard wants a `whsec_` secret; the others any of 16+ characters). */
const secretProblem = (scheme: Scheme, secret: string) => (scheme === 'standard' ? standardSecretProblem(secret) : undefined);

const endpointInput = z
  .object({
    ...endpointFields,
    scheme: endpointFields.scheme.default('standard'),
    events: endpointFields.events.default(['*']),
    enabled: endpointFields.enabled.default(true),
  })
  .strict()
  .superRefine((endpoint, ctx) => {
    const problem = secretProblem(endpoint.scheme, endpoint.secret);
    if (problem) ctx.addIssue({ code: 'custom', path: ['secret'], message: problem });
  });
const endpointPatch = z.object(endpointFields).partial().strict();
const endpointOut = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  scheme: z.enum(SCHEMES),
  secret_set: z.literal(true),
  events: z.array(z.string()),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
const idParams = z.object({ id: z.uuid() });

interface Row {
  id: string;
  name: string;
  url: string;
  scheme: (typeof SCHEMES)[number];
  events: string[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

// The secret column is never selected for an answer.
const COLUMNS = 'id, name, url, scheme, events, enabled, created_at, updated_at';
const out = (r: Row) => ({
  ...r,
  secret_set: true as const,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});
const notFound = (id: string) => new ProblemError(404, 'not-found', 'No such webhook endpoint', `no webhook endpoint ${id}`);

/** Outgoing alert webhook endpoints (the notifier's table): CRUD, secrets write-only. */
export function webhookEndpointRoutes(api: Api, deps: IngressDeps): void {
  const { pool } = deps;

  api.add({
    method: 'GET',
    url: '/v1/webhook-endpoints',
    summary: 'List outgoing webhook endpoints',
    tag: 'webhook-endpoints',
    scope: 'read',
    responses: { 200: { description: 'Endpoints', schema: z.object({ endpoints: z.array(endpointOut) }) } },
    handler: async () => ({
      endpoints: (await pool.query<Row>(`SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY name, id`)).rows.map(out),
    }),
  });

  api.add({
    method: 'GET',
    url: '/v1/webhook-endpoints/:id',
    summary: 'Get one outgoing webhook endpoint',
    tag: 'webhook-endpoints',
    scope: 'read',
    params: idParams,
    responses: { 200: { description: 'Endpoint', schema: endpointOut } },
    handler: async ({ params }) => {
      const row = (await pool.query<Row>(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1`, [params.id])).rows[0];
      if (!row) throw notFound(params.id);
      return out(row);
    },
  });

  api.add({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    summary: 'Add an outgoing webhook endpoint',
    tag: 'webhook-endpoints',
    scope: 'write',
    body: endpointInput,
    responses: { 201: { description: 'Created', schema: endpointOut } },
    handler: async ({ body, reply }) => {
      const { rows } = await pool.query<Row>(
        `INSERT INTO webhook_endpoints (id, name, url, scheme, secret, events, enabled) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [randomUUID(), body.name, body.url, body.scheme, body.secret, body.events, body.enabled],
      );
      return reply.code(201).header('location', `/v1/webhook-endpoints/${rows[0]!.id}`).send(out(rows[0]!));
    },
  });

  api.add({
    method: 'PATCH',
    url: '/v1/webhook-endpoints/:id',
    summary: 'Change an outgoing webhook endpoint (a new secret replaces the old one)',
    tag: 'webhook-endpoints',
    scope: 'write',
    params: idParams,
    body: endpointPatch,
    responses: { 200: { description: 'Updated', schema: endpointOut } },
    handler: async ({ params, body }) => {
      const tx = await pool.connect();
      let broken: Error | undefined;
      try {
        await tx.query('BEGIN');
        // The scheme and the secret must fit together; a PATCH may send only
        // one of them, so the other is read (and locked) first.
        if (body.scheme !== undefined || body.secret !== undefined) {
          const current = (
            await tx.query<{ scheme: Scheme; secret: string }>('SELECT scheme, secret FROM webhook_endpoints WHERE id = $1 FOR UPDATE', [
              params.id,
            ])
          ).rows[0];
          if (!current) throw notFound(params.id);
          const problem = secretProblem(body.scheme ?? current.scheme, body.secret ?? current.secret);
          if (problem) {
            const detail = body.secret === undefined ? `${problem}; send a new secret with the scheme` : problem;
            throw new ProblemError(400, 'validation', 'Invalid request', `secret: ${detail}`, [{ field: 'secret', problem: detail }]);
          }
        }
        const { rows } = await tx.query<Row>(
          `UPDATE webhook_endpoints SET name = COALESCE($2, name), url = COALESCE($3, url), scheme = COALESCE($4, scheme),
             secret = COALESCE($5, secret), events = COALESCE($6, events), enabled = COALESCE($7, enabled), updated_at = now()
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [
            params.id,
            body.name ?? null,
            body.url ?? null,
            body.scheme ?? null,
            body.secret ?? null,
            body.events ?? null,
            body.enabled ?? null,
          ],
        );
        if (!rows[0]) throw notFound(params.id);
        await tx.query('COMMIT');
        return out(rows[0]);
      } catch (err) {
        await tx.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed));
        throw err;
      } finally {
        // A connection that could not roll back is closed, not reused.
        tx.release(broken);
      }
    },
  });

  api.add({
    method: 'DELETE',
    url: '/v1/webhook-endpoints/:id',
    summary: 'Remove an outgoing webhook endpoint',
    tag: 'webhook-endpoints',
    scope: 'write',
    params: idParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, reply }) => {
      const { rowCount } = await pool.query('DELETE FROM webhook_endpoints WHERE id = $1', [params.id]);
      if (!rowCount) throw notFound(params.id);
      return reply.code(204).send();
    },
  });
}
