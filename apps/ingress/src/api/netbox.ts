import { z } from 'zod';
import { NetboxStore, netboxSyncJob } from '@switch-telemetry/netbox';
import type { IngressDeps } from '../deps';
import type { Api } from '../routes';

const sourceParams = z.object({ source: z.string().regex(/^[a-z0-9_-]{1,48}$/, { message: 'must be a NetBox source name' }) });

const syncOut = z.object({
  id: z.string(),
  source: z.string(),
  job_id: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number(),
  outcome: z.enum(['applied', 'failed', 'refused']),
  counts: z.record(z.string(), z.number()),
  error_code: z.string().nullable(),
  error: z.string().nullable(),
});
const objectOut = z.object({
  object_id: z.number().int(),
  name: z.string(),
  device_id: z.string(),
  state: z.enum(['monitored', 'excluded', 'unmonitorable']),
  reason: z.string().nullable(),
  updated_at: z.string(),
});

/** What the NetBox sources did: their syncs, each NetBox device's state (unmonitorable ones with the reason), and a sync on request. */
export function netboxRoutes(api: Api, deps: IngressDeps): void {
  const store = new NetboxStore(deps.pool);

  api.add({
    method: 'GET',
    url: '/v1/netbox/:source/syncs',
    summary: "A NetBox source's listings pulled, newest first: counts, duration, the error of a failed one",
    tag: 'netbox',
    scope: 'read',
    params: sourceParams,
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(100).default(20),
        before: z
          .string()
          .regex(/^\d{1,19}$/)
          .optional(),
      })
      .strict(),
    responses: { 200: { description: 'Syncs', schema: z.object({ syncs: z.array(syncOut) }) } },
    handler: async ({ params, query }) => ({
      syncs: await store.syncs(params.source, { limit: query.limit, ...(query.before ? { before: query.before } : {}) }),
    }),
  });

  api.add({
    method: 'GET',
    url: '/v1/netbox/:source/objects',
    summary: "A NetBox source's devices as we see them (state=unmonitorable: the ones we cannot collect from, with the reason)",
    tag: 'netbox',
    scope: 'read',
    params: sourceParams,
    query: z
      .object({
        state: z.enum(['monitored', 'excluded', 'unmonitorable']).optional(),
        after: z.coerce.number().int().min(0).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      })
      .strict(),
    responses: { 200: { description: 'NetBox devices by id', schema: z.object({ objects: z.array(objectOut) }) } },
    handler: async ({ params, query }) => ({
      objects: await store.objects(params.source, {
        limit: query.limit,
        ...(query.state ? { state: query.state } : {}),
        ...(query.after !== undefined ? { after: query.after } : {}),
      }),
    }),
  });

  api.add({
    method: 'POST',
    url: '/v1/netbox/:source/sync',
    summary: 'Pull the source’s listing now (a source the discovery does not know ends in the dead letters, saying so)',
    tag: 'netbox',
    scope: 'write',
    params: sourceParams,
    responses: { 202: { description: 'Enqueued', schema: z.object({ id: z.string(), duplicate: z.boolean() }) } },
    handler: async ({ params, reply }) => {
      const { id, duplicate } = await deps.jobs.enqueue(netboxSyncJob, { source: params.source });
      return reply.code(202).send({ id, duplicate });
    },
  });
}
