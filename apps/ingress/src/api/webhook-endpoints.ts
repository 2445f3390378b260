import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AddressPolicy,
  AddressRefusedError,
  DeliveryLog,
  EndpointRepository,
  InvalidWebhookUrlError,
  SecretMismatch,
  attemptSchema,
  checkWebhookUrl,
  deliverySchema,
  endpointInputSchema,
  endpointPatchSchema,
  endpointSchema,
  MAX_ENDPOINTS,
  redactUrl,
  webhookDeliverJob,
  type Attempt,
  type Endpoint,
} from '@switch-telemetry/notifications';
import type { Caller } from '../auth';
import type { IngressDeps } from '../deps';
import { ProblemError } from '../problem';
import type { Api } from '../routes';

const idParams = z.object({ id: z.uuid() });
const deliveryParams = z.object({ id: z.string().regex(/^msg_[0-9a-z]{1,64}$/, { message: 'a delivery id (msg_...)' }) });
const notFound = (id: string) => new ProblemError(404, 'not-found', 'No such webhook endpoint', `no webhook endpoint ${id}`);
const isAdmin = (caller: Caller | undefined) => caller?.scope === 'admin';
/**
 * What a caller may see of an endpoint: the whole URL only with `admin`, since a receiver's secret is often in its
 * path (chat webhooks); below it, the origin.
 */
const view = (endpoint: Endpoint, caller: Caller | undefined): Endpoint =>
  isAdmin(caller) ? endpoint : { ...endpoint, url: redactUrl(endpoint.url) };
/**
 * A receiver's answer only with `admin`: an operator's allow-list may let webhooks reach internal services, and a
 * `write` caller who can aim an endpoint there must not read what they answer.
 */
const attemptView = (attempt: Attempt, caller: Caller | undefined): Attempt =>
  isAdmin(caller) ? attempt : { ...attempt, response_excerpt: null };
const invalid = (field: string, detail: string) =>
  new ProblemError(400, 'validation', 'Invalid request', `${field}: ${detail}`, [{ field, problem: detail }]);

/**
 * A URL the notifier would refuse is refused here, at once: credentials in
 * it, an IP address in an unusual form, or an address in a refused range
 * that the operator's NOTIFIER_ALLOWED_HOSTS does not list. Host names are
 * resolved (and checked) by the notifier on every attempt.
 */
function checkUrl(url: string, policy: AddressPolicy): void {
  try {
    checkWebhookUrl(url, policy);
  } catch (err) {
    if (err instanceof InvalidWebhookUrlError || err instanceof AddressRefusedError) throw invalid('url', err.message);
    throw err;
  }
}

/** Outgoing alert webhook endpoints, their delivery log, tests and redeliveries (the notifications lib's tables). */
export function webhookEndpointRoutes(api: Api, deps: IngressDeps, policy: AddressPolicy): void {
  const endpoints = new EndpointRepository(deps.pool);
  const log = new DeliveryLog(deps.pool);

  const enqueue = async (deliveryId: string, redeliver: boolean) =>
    (
      await deps.jobs.enqueue(
        webhookDeliverJob,
        { deliveryId, ...(redeliver ? { redeliver } : {}) },
        { id: `${deliveryId}-${randomUUID()}` },
      )
    ).id;

  api.add({
    method: 'GET',
    url: '/v1/webhook-endpoints',
    summary: 'List outgoing webhook endpoints',
    tag: 'webhook-endpoints',
    scope: 'read',
    responses: { 200: { description: 'Endpoints', schema: z.object({ endpoints: z.array(endpointSchema) }) } },
    handler: async ({ caller }) => ({ endpoints: (await endpoints.list()).map((e) => view(e, caller)) }),
  });

  api.add({
    method: 'GET',
    url: '/v1/webhook-endpoints/:id',
    summary: 'Get one outgoing webhook endpoint',
    tag: 'webhook-endpoints',
    scope: 'read',
    params: idParams,
    responses: { 200: { description: 'Endpoint', schema: endpointSchema } },
    handler: async ({ params, caller }) => {
      const endpoint = await endpoints.get(params.id);
      if (!endpoint) throw notFound(params.id);
      return view(endpoint, caller);
    },
  });

  api.add({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    summary: 'Add an outgoing webhook endpoint',
    tag: 'webhook-endpoints',
    scope: 'write',
    body: endpointInputSchema,
    responses: { 201: { description: 'Created', schema: endpointSchema } },
    handler: async ({ body, reply, caller }) => {
      checkUrl(body.url, policy);
      const created = await endpoints.create(body);
      if (!created) {
        throw new ProblemError(409, 'limit-reached', 'Too many endpoints', `at most ${MAX_ENDPOINTS} webhook endpoints; remove one first`);
      }
      return reply.code(201).header('location', `/v1/webhook-endpoints/${created.id}`).send(view(created, caller));
    },
  });

  api.add({
    method: 'PATCH',
    url: '/v1/webhook-endpoints/:id',
    summary:
      'Change an outgoing webhook endpoint. A new secret replaces the old one (which may keep signing beside it for keep_previous_secret_s); enabled: true clears why the notifier disabled it',
    tag: 'webhook-endpoints',
    scope: 'write',
    params: idParams,
    body: endpointPatchSchema,
    responses: { 200: { description: 'Updated', schema: endpointSchema } },
    handler: async ({ params, body, caller }) => {
      if (body.url !== undefined) checkUrl(body.url, policy);
      const updated = await endpoints.update(params.id, body);
      if (updated instanceof SecretMismatch) throw invalid('secret', updated.problem);
      if (!updated) throw notFound(params.id);
      return view(updated, caller);
    },
  });

  api.add({
    method: 'DELETE',
    url: '/v1/webhook-endpoints/:id',
    summary: 'Remove an outgoing webhook endpoint (its delivery log goes with it)',
    tag: 'webhook-endpoints',
    scope: 'write',
    params: idParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, reply }) => {
      if (!(await endpoints.delete(params.id))) throw notFound(params.id);
      return reply.code(204).send();
    },
  });

  api.add({
    method: 'GET',
    url: '/v1/webhook-endpoints/:id/deliveries',
    summary: "An endpoint's delivery attempts, newest first (status, latency, the receiver's answer, the next retry)",
    tag: 'webhook-endpoints',
    scope: 'read',
    params: idParams,
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(500).default(50),
        /** The `next` of the previous page. */
        before: z
          .string()
          .regex(/^[1-9][0-9]{0,18}$/)
          .optional(),
        /** Only this delivery's attempts. */
        delivery: deliveryParams.shape.id.optional(),
      })
      .strict(),
    responses: {
      200: {
        description: 'Attempts',
        schema: z.object({ attempts: z.array(attemptSchema), next: z.string().optional().describe('Pass as before= for the next page.') }),
      },
    },
    handler: async ({ params, query, caller }) => {
      if (!(await endpoints.get(params.id))) throw notFound(params.id);
      const page = await log.attempts(params.id, {
        limit: query.limit,
        ...(query.before === undefined ? {} : { before: query.before }),
        ...(query.delivery === undefined ? {} : { deliveryId: query.delivery }),
      });
      const attempts = page.map((a) => attemptView(a, caller));
      return attempts.length === query.limit ? { attempts, next: attempts[attempts.length - 1]!.id } : { attempts };
    },
  });

  api.add({
    method: 'GET',
    url: '/v1/deliveries/:id',
    summary: 'One delivery: its state, attempts made and when the next is due',
    tag: 'webhook-endpoints',
    scope: 'read',
    params: deliveryParams,
    responses: { 200: { description: 'Delivery', schema: deliverySchema } },
    handler: async ({ params }) =>
      (await log.delivery(params.id)) ?? Promise.reject(new ProblemError(404, 'not-found', 'No such delivery', `no delivery ${params.id}`)),
  });

  api.add({
    method: 'POST',
    url: '/v1/deliveries/:id/redeliver',
    summary:
      'Send a delivery again, with the same webhook-id (the receiver may recognise it), whatever became of it; not while it is pending',
    tag: 'webhook-endpoints',
    scope: 'write',
    params: deliveryParams,
    responses: {
      202: { description: 'Queued', schema: z.object({ delivery_id: z.string(), job_id: z.string() }) },
      409: { description: 'The endpoint is disabled, or the delivery is pending already' },
    },
    handler: async ({ params, reply }) => {
      const outcome = await log.reopen(params.id);
      if (outcome === 'missing') throw new ProblemError(404, 'not-found', 'No such delivery', `no delivery ${params.id}`);
      if (outcome === 'disabled') {
        throw new ProblemError(409, 'endpoint-disabled', 'Endpoint disabled', `the endpoint of ${params.id} is disabled; enable it first`);
      }
      if (outcome === 'pending') {
        throw new ProblemError(409, 'delivery-pending', 'Delivery pending', `${params.id} is waiting for its next attempt already`);
      }
      const jobId = await enqueue(params.id, true);
      return reply.code(202).send({ delivery_id: params.id, job_id: jobId });
    },
  });

  api.add({
    method: 'POST',
    url: '/v1/webhook-endpoints/:id/test',
    summary: 'Send a signed endpoint.test webhook to the endpoint; its outcome shows in the deliveries',
    tag: 'webhook-endpoints',
    scope: 'write',
    params: idParams,
    responses: {
      202: { description: 'Queued', schema: z.object({ delivery_id: z.string(), job_id: z.string() }) },
      409: { description: 'The endpoint is disabled, or a test to it is pending already' },
    },
    handler: async ({ params, reply }) => {
      const endpoint = await endpoints.get(params.id);
      if (!endpoint) throw notFound(params.id);
      if (!endpoint.enabled) {
        throw new ProblemError(409, 'endpoint-disabled', 'Endpoint disabled', `endpoint ${endpoint.id} is disabled; enable it first`);
      }
      const at = new Date().toISOString();
      const body = JSON.stringify({
        type: 'endpoint.test',
        timestamp: at,
        data: { endpoint: { id: endpoint.id, name: endpoint.name }, message: 'a test delivery from SwitchTelemetry' },
      });
      const deliveryId = await log.storeSingle(endpoint.id, `test:${randomUUID()}`, 'endpoint.test', body);
      if (!deliveryId) {
        throw new ProblemError(409, 'test-pending', 'Test pending', `a test delivery to ${endpoint.id} is waiting to be sent already`);
      }
      const jobId = await enqueue(deliveryId, false);
      return reply.code(202).send({ delivery_id: deliveryId, job_id: jobId });
    },
  });
}
