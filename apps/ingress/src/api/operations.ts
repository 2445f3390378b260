import { z } from 'zod';
import { openBucket, publishJson } from '@switch-telemetry/bus';
import { deviceIdSchema, restartRequest, sessionStatusSchema, type SessionStatus } from '@switch-telemetry/contracts';
import type { IngressDeps } from '../deps';
import { ProblemError } from '../problem';
import type { Api } from '../routes';

const deadJobOut = z.object({
  id: z.string(),
  queue: z.string(),
  worker: z.string(),
  args: z.unknown(),
  attempts: z.number(),
  outcome: z.enum(['exhausted', 'discarded', 'undecodable']),
  reason: z.string(),
  errors: z.array(z.object({ at: z.string(), attempt: z.number(), class: z.string(), code: z.string().optional(), message: z.string() })),
  dead_at: z.string(),
});

/** Session status and restarts, dead jobs. */
export function operationRoutes(api: Api, deps: IngressDeps): void {
  const sessions = () => openBucket(deps.bus, deps.topology.buckets.sessions);
  const sessionOut = z.object({ device: z.string(), status: sessionStatusSchema });
  // What the bucket holds is checked, never passed on blindly: an entry that is not a status is left out.
  const statusOf = (value: unknown): SessionStatus | undefined => {
    const parsed = sessionStatusSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };

  api.add({
    method: 'GET',
    url: '/v1/sessions',
    summary: 'Every device session the collectors report (the sessions KV)',
    tag: 'sessions',
    scope: 'read',
    query: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1_000) }).strict(),
    responses: { 200: { description: 'Sessions', schema: z.object({ sessions: z.array(sessionOut) }) } },
    handler: async ({ query }) => {
      const kv = await sessions();
      const out: Array<{ device: string; status: SessionStatus }> = [];
      for await (const key of await kv.keys()) {
        if (out.length >= query.limit) break;
        const entry = await kv.get(key);
        const status = entry && entry.operation === 'PUT' ? statusOf(entry.json()) : undefined;
        if (status) out.push({ device: key, status });
      }
      out.sort((a, b) => a.device.localeCompare(b.device));
      return { sessions: out };
    },
  });

  api.add({
    method: 'GET',
    url: '/v1/sessions/:device',
    summary: "One device's session status: state, since, last error",
    tag: 'sessions',
    scope: 'read',
    params: z.object({ device: deviceIdSchema }),
    responses: { 200: { description: 'Session', schema: sessionOut } },
    handler: async ({ params }) => {
      const entry = await (await sessions()).get(params.device);
      const status = entry && entry.operation === 'PUT' ? statusOf(entry.json()) : undefined;
      if (!status) throw new ProblemError(404, 'not-found', 'No such session', `no session for ${params.device}`);
      return { device: params.device, status };
    },
  });

  api.add({
    method: 'POST',
    url: '/v1/sessions/:device/restart',
    summary: 'Ask the owning collector to restart a session (events.session.restart_requested)',
    tag: 'sessions',
    scope: 'write',
    params: z.object({ device: deviceIdSchema }),
    responses: { 202: { description: 'Requested', schema: z.object({ status: z.literal('requested'), device: z.string() }) } },
    handler: async ({ params, reply }) => {
      await publishJson(deps.bus, deps.topology.subjects.sessionEvent('restart_requested'), restartRequest(params.device, 'api'), {
        headers: { device: params.device },
      });
      return reply.code(202).send({ status: 'requested', device: params.device });
    },
  });

  const deadId = z.object({ id: z.string().min(1).max(300) });

  api.add({
    method: 'GET',
    url: '/v1/dead-jobs',
    summary: 'Dead jobs, newest first',
    tag: 'jobs',
    scope: 'read',
    query: z
      .object({
        queue: z.string().max(64).optional(),
        worker: z.string().max(128).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      })
      .strict(),
    responses: { 200: { description: 'Dead jobs', schema: z.object({ jobs: z.array(deadJobOut) }) } },
    handler: async ({ query }) => {
      const jobs = await deps.jobs.listDeadJobs({
        limit: query.limit,
        ...(query.queue ? { queue: query.queue } : {}),
        ...(query.worker ? { worker: query.worker } : {}),
      });
      return {
        jobs: jobs.map((j) => ({
          id: j.id,
          queue: j.queue,
          worker: j.worker,
          args: j.args,
          attempts: j.attempts,
          outcome: j.outcome,
          reason: j.reason,
          errors: j.errors,
          dead_at: j.deadAt.toISOString(),
        })),
      };
    },
  });

  api.add({
    method: 'POST',
    url: '/v1/dead-jobs/:id/retry',
    summary: 'Run a dead job again with fresh attempts',
    tag: 'jobs',
    scope: 'write',
    params: deadId,
    responses: { 202: { description: 'Enqueued', schema: z.object({ id: z.string() }) } },
    handler: async ({ params, reply }) => {
      if (!(await deps.jobs.deadLetters.get(params.id)))
        throw new ProblemError(404, 'not-found', 'No such dead job', `no dead job ${params.id}`);
      const { id } = await deps.jobs.retryDeadJob(params.id);
      return reply.code(202).send({ id });
    },
  });

  api.add({
    method: 'DELETE',
    url: '/v1/dead-jobs/:id',
    summary: 'Forget a dead job',
    tag: 'jobs',
    scope: 'write',
    params: deadId,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, reply }) => {
      if (!(await deps.jobs.deleteDeadJob(params.id)))
        throw new ProblemError(404, 'not-found', 'No such dead job', `no dead job ${params.id}`);
      return reply.code(204).send();
    },
  });
}
