import { z } from 'zod';
import { deviceIdSchema, profileNameSchema, subscriptionProfileInputSchema, subscriptionSchema } from '@switch-telemetry/contracts';
import { DeviceRepository, ProfileInUseError, ProfileRepository, ProfileVersionConflictError } from '@switch-telemetry/inventory';
import type { IngressDeps } from '../deps';
import { ProblemError } from '../problem';
import type { Api } from '../routes';

const nameParams = z.object({ name: profileNameSchema });
const profileOut = subscriptionProfileInputSchema.extend({
  name: z.string(),
  version: z.number().int(),
  devices: z.number().int().describe('How many devices name the profile.'),
  created_at: z.string(),
  updated_at: z.string(),
});

/** `If-Match: "3"` (or 3): the version the change was made on; `"0"` asks that the profile not exist yet. */
function ifVersion(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header[0] : header)
    ?.trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  if (text === undefined || !/^\d{1,9}$/.test(text)) {
    throw new ProblemError(400, 'validation', 'Invalid request', 'If-Match must be the version the change was made on ("3")', [
      { field: 'if-match', problem: 'must be a profile version' },
    ]);
  }
  return Number(text);
}

const noProfile = (name: string) => new ProblemError(404, 'not-found', 'No such profile', `no subscription profile ${name}`);

/**
 * Subscription profiles: named, versioned sets of subscriptions that devices
 * share. A change reaches every device that names the profile (and only
 * those) through their device events, in the same transaction.
 */
export function profileRoutes(api: Api, deps: IngressDeps): void {
  const profiles = new ProfileRepository(deps.pool, deps.topology);
  const devices = new DeviceRepository(deps.pool, deps.topology);

  api.add({
    method: 'GET',
    url: '/v1/subscription-profiles',
    summary: 'List subscription profiles',
    tag: 'profiles',
    scope: 'read',
    responses: { 200: { description: 'Profiles by name', schema: z.object({ profiles: z.array(profileOut) }) } },
    handler: async () => ({ profiles: await profiles.list() }),
  });

  api.add({
    method: 'GET',
    url: '/v1/subscription-profiles/:name',
    summary: 'Get one subscription profile (its version is also the ETag)',
    tag: 'profiles',
    scope: 'read',
    params: nameParams,
    responses: { 200: { description: 'The profile', schema: profileOut } },
    handler: async ({ params, reply }) => {
      const profile = await profiles.get(params.name);
      if (!profile) throw noProfile(params.name);
      return reply.header('etag', `"${profile.version}"`).send(profile);
    },
  });

  api.add({
    method: 'PUT',
    url: '/v1/subscription-profiles/:name',
    summary: 'Create or replace a subscription profile; every device that names it is told (If-Match: the version it was read at)',
    tag: 'profiles',
    scope: 'write',
    params: nameParams,
    body: subscriptionProfileInputSchema,
    responses: {
      200: {
        description: 'Replaced; `devices_told` devices run the new subscriptions',
        schema: profileOut.extend({ devices_told: z.number() }),
      },
      201: { description: 'Created', schema: profileOut.extend({ devices_told: z.number() }) },
      412: { description: 'The profile changed since the version in If-Match' },
    },
    handler: async ({ params, body, request, reply }) => {
      const expected = ifVersion(request.headers['if-match']);
      try {
        const result = await profiles.put(params.name, body, expected === undefined ? {} : { ifVersion: expected });
        if (result.devices > 0) deps.outbox.kick();
        return reply
          .code(result.created ? 201 : 200)
          .header('etag', `"${result.profile.version}"`)
          .send({ ...result.profile, devices_told: result.devices });
      } catch (err) {
        if (err instanceof ProfileVersionConflictError) throw new ProblemError(412, 'precondition-failed', 'Profile changed', err.message);
        throw err;
      }
    },
  });

  api.add({
    method: 'DELETE',
    url: '/v1/subscription-profiles/:name',
    summary: 'Delete a subscription profile no device names',
    tag: 'profiles',
    scope: 'write',
    params: nameParams,
    responses: { 204: { description: 'Deleted' }, 409: { description: 'Devices still name it' } },
    handler: async ({ params, reply }) => {
      try {
        if (!(await profiles.delete(params.name))) throw noProfile(params.name);
      } catch (err) {
        if (err instanceof ProfileInUseError) throw new ProblemError(409, 'conflict', 'Profile in use', err.message);
        throw err;
      }
      return reply.code(204).send();
    },
  });

  api.add({
    method: 'GET',
    url: '/v1/devices/:id/subscriptions',
    summary: "A device's effective subscriptions: its profiles' (in order), then its own, as the collector runs them",
    tag: 'devices',
    scope: 'read',
    params: z.object({ id: deviceIdSchema }),
    responses: {
      200: {
        description: 'Where each effective subscription comes from',
        schema: z.object({
          device: z.string(),
          profiles: z.array(z.object({ name: z.string(), version: z.number().int().nullable() })),
          own: z.array(subscriptionSchema),
          effective: z.array(subscriptionSchema.extend({ from: z.string().describe('`device`, or `profile:<name>`') })),
        }),
      },
    },
    handler: async ({ params }) => {
      const device = await devices.get(params.id);
      if (!device) throw new ProblemError(404, 'not-found', 'No such device', `no device ${params.id}`);
      const named = await Promise.all(device.profiles.map((name) => profiles.get(name)));
      const from = (sub: { name: string }) => {
        if (device.subscriptions.some((s) => s.name === sub.name)) return 'device';
        const owner = [...named].reverse().find((p) => p?.subscriptions.some((s) => s.name === sub.name));
        return owner ? `profile:${owner.name}` : 'device';
      };
      return {
        device: device.id,
        profiles: device.profiles.map((name, i) => ({ name, version: named[i]?.version ?? null })),
        own: device.subscriptions,
        effective: device.effective_subscriptions.map((s) => ({ ...s, from: from(s) })),
      };
    },
  });
}
