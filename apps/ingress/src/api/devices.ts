import { z } from 'zod';
import { DeviceConflictError, DeviceRepository, InvalidDeviceError, securityChanges } from '@switch-telemetry/inventory';
import {
  PROTOCOLS,
  deviceIdSchema,
  deviceInputSchema,
  devicePatchSchema,
  deviceReplaceSchema,
  deviceSchema,
  deviceSourceSchema,
  profileNameSchema,
  type DeviceInput,
} from '@switch-telemetry/contracts';
import { requireScope, type Caller } from '../auth';
import type { IngressDeps } from '../deps';
import { ProblemError } from '../problem';
import type { Api } from '../routes';

const idParams = z.object({ id: deviceIdSchema });
const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    after: deviceIdSchema.optional(),
    protocol: z.enum(PROTOCOLS).optional(),
    tag: z
      .string()
      .regex(/^[^=]{1,64}=.{0,256}$/, { message: 'must be key=value' })
      .optional(),
    q: z.string().min(1).max(128).optional(),
    source: deviceSourceSchema.optional(),
    profile: profileNameSchema.optional(),
  })
  .strict();
const deviceOut = deviceSchema;

/** The change check of every write: fields that decide where secrets go need the admin scope (403 naming them). */
function guard(caller: Caller | undefined) {
  return (current: DeviceInput | undefined, next: DeviceInput): void => {
    const fields = securityChanges(current, next);
    if (fields.length > 0) requireScope(caller, 'admin', `changing ${fields.join(', ')} decides where the device's credentials are sent`);
  };
}

function notFound(id: string): ProblemError {
  return new ProblemError(404, 'not-found', 'No such device', `no device ${id}`);
}

function conflict(err: unknown): never {
  if (err instanceof DeviceConflictError) throw new ProblemError(409, 'conflict', 'Conflict', err.message);
  if (err instanceof InvalidDeviceError) throw new ProblemError(400, 'validation', 'Invalid request', err.message, err.problems);
  throw err;
}

/**
 * devices: list, get, create, replace, update, delete. Each change writes its
 * events.device.* event in its own transaction (the outbox), so a 2xx means
 * the change is stored and will be announced, even if NATS is down right now.
 */
export function deviceRoutes(api: Api, deps: IngressDeps): void {
  const repo = new DeviceRepository(deps.pool, deps.topology);
  const announced = <T>(result: T): T => {
    deps.outbox.kick();
    return result;
  };

  api.add({
    method: 'GET',
    url: '/v1/devices',
    summary: 'List devices (id order, keyset paging)',
    tag: 'devices',
    scope: 'read',
    query: listQuery,
    responses: {
      200: {
        description: 'A page of devices; `next` is the cursor of the next page',
        schema: z.object({ devices: z.array(deviceOut), next: z.string().optional() }),
      },
    },
    handler: async ({ query }) => {
      const [key, ...rest] = query.tag?.split('=') ?? [];
      return repo.list({
        limit: query.limit,
        ...(query.after ? { after: query.after } : {}),
        ...(query.protocol ? { protocol: query.protocol } : {}),
        ...(key !== undefined ? { tag: { key, value: rest.join('=') } } : {}),
        ...(query.q ? { search: query.q } : {}),
        ...(query.source ? { source: query.source } : {}),
        ...(query.profile ? { profile: query.profile } : {}),
      });
    },
  });

  api.add({
    method: 'GET',
    url: '/v1/devices/:id',
    summary: 'Get one device',
    tag: 'devices',
    scope: 'read',
    params: idParams,
    responses: { 200: { description: 'The device', schema: deviceOut } },
    handler: async ({ params }) => (await repo.get(params.id)) ?? Promise.reject(notFound(params.id)),
  });

  api.add({
    method: 'POST',
    url: '/v1/devices',
    summary: 'Create a device (with credentials, a client certificate or weakened verification: admin scope)',
    tag: 'devices',
    scope: 'write',
    body: deviceInputSchema,
    responses: { 201: { description: 'Created', schema: deviceOut } },
    handler: async ({ body, caller, reply }) => {
      const device = announced(await repo.create(body, { authorize: guard(caller) }).catch(conflict));
      return reply.code(201).header('location', `/v1/devices/${device.id}`).send(device);
    },
  });

  api.add({
    method: 'PUT',
    url: '/v1/devices/:id',
    summary: 'Create or replace a device (changing protocol, address, port, credentials, tls or host_key: admin scope)',
    tag: 'devices',
    scope: 'write',
    params: idParams,
    body: deviceReplaceSchema,
    responses: { 200: { description: 'Replaced', schema: deviceOut }, 201: { description: 'Created', schema: deviceOut } },
    handler: async ({ params, body, caller, reply }) => {
      const { device, created } = announced(
        await repo.upsert({ ...body, id: params.id }, undefined, { authorize: guard(caller) }).catch(conflict),
      );
      return reply.code(created ? 201 : 200).send(device);
    },
  });

  api.add({
    method: 'PATCH',
    url: '/v1/devices/:id',
    summary: 'Change some fields of a device; the rest stay as they are (protocol, address, port, credentials, tls, host_key: admin scope)',
    tag: 'devices',
    scope: 'write',
    params: idParams,
    body: devicePatchSchema,
    responses: { 200: { description: 'Updated', schema: deviceOut } },
    handler: async ({ params, body, caller }) => {
      const device = await repo.update(params.id, body, { authorize: guard(caller) }).catch(conflict);
      if (!device) throw notFound(params.id);
      return announced(device);
    },
  });

  api.add({
    method: 'DELETE',
    url: '/v1/devices/:id',
    summary: 'Delete a device',
    tag: 'devices',
    scope: 'write',
    params: idParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, reply }) => {
      if (!announced(await repo.delete(params.id))) throw notFound(params.id);
      return reply.code(204).send();
    },
  });
}
