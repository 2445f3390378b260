import { z } from 'zod';
import { deviceIdSchema } from '@switch-telemetry/contracts';
import { discoveryScanJob } from '@switch-telemetry/inventory';
import {
  DiscoveredDevices,
  ScanStore,
  SubnetRefusedError,
  scanResultSchema,
  scanSchema,
  type SubnetPolicy,
} from '@switch-telemetry/scanning';
import type { IngressDeps } from '../deps';
import { ProblemError } from '../problem';
import type { Api } from '../routes';

const scanParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/),
});
const noScan = (id: string) => new ProblemError(404, 'not-found', 'No such scan', `no discovery scan ${id}`);

/** Subnet scans (request, follow, cancel) and what an admin approves of what they found. */
export function discoveryRoutes(api: Api, deps: IngressDeps, policy: SubnetPolicy): void {
  const scans = new ScanStore(deps.pool);
  const discovered = new DiscoveredDevices(deps.pool, { onChange: () => deps.outbox.kick() });

  api.add({
    method: 'POST',
    url: '/v1/discovery',
    summary: 'Scan a subnet for devices (the same subnet within 5 minutes is the same job)',
    tag: 'discovery',
    scope: 'write',
    body: z.object({ subnet: z.string().max(64) }).strict(),
    responses: { 202: { description: 'Accepted', schema: z.object({ id: z.string(), subnet: z.string(), duplicate: z.boolean() }) } },
    handler: async ({ body, reply }) => {
      let subnet: string;
      try {
        subnet = policy.check(body.subnet).cidr;
      } catch (err) {
        if (!(err instanceof SubnetRefusedError)) throw err;
        throw new ProblemError(400, 'validation', 'Invalid request', `subnet: ${err.message}`, [{ field: 'subnet', problem: err.message }]);
      }
      const { id, duplicate } = await deps.jobs.enqueue(discoveryScanJob, { subnet });
      return reply.code(202).send({ id, subnet, duplicate });
    },
  });

  api.add({
    method: 'GET',
    url: '/v1/discovery',
    summary: 'Recent scans with their counts, newest first',
    tag: 'discovery',
    scope: 'read',
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict(),
    responses: { 200: { description: 'Scans', schema: z.object({ scans: z.array(scanSchema) }) } },
    handler: async ({ query }) => ({ scans: await scans.list(query.limit) }),
  });

  api.add({
    method: 'GET',
    url: '/v1/discovery/:id',
    summary: 'One scan: its counts so far and a result per open port (identified, or why not)',
    tag: 'discovery',
    scope: 'read',
    params: scanParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1_000) }).strict(),
    responses: { 200: { description: 'Scan', schema: scanSchema.extend({ results: z.array(scanResultSchema) }) } },
    handler: async ({ params, query }) => {
      const scan = await scans.get(params.id);
      if (!scan) throw noScan(params.id);
      return { ...scan, results: await scans.results(params.id, query.limit) };
    },
  });

  api.add({
    method: 'DELETE',
    url: '/v1/discovery/:id',
    summary: 'Cancel a running scan (it stops within about a second; what it found so far is kept)',
    tag: 'discovery',
    scope: 'write',
    params: scanParams,
    responses: { 202: { description: 'Cancellation requested' }, 409: { description: 'The scan is not running' } },
    handler: async ({ params, reply }) => {
      const outcome = await scans.requestCancel(params.id);
      if (outcome === 'missing') throw noScan(params.id);
      if (outcome === 'not-running') throw new ProblemError(409, 'not-running', 'Scan not running', `scan ${params.id} has ended`);
      return reply.code(202).send();
    },
  });

  api.add({
    method: 'POST',
    url: '/v1/devices/:id/approve-host-key',
    summary: 'Trust the SSH host key discovery saw on a NETCONF device: pin it and enable the device',
    tag: 'devices',
    // Which host key is trusted decides where the device's credentials go.
    scope: 'admin',
    params: z.object({ id: deviceIdSchema }),
    responses: { 200: { description: 'Approved', schema: z.object({ device: z.string(), fingerprint: z.string() }) } },
    handler: async ({ params }) => {
      const outcome = await discovered.approveHostKey(params.id);
      if (outcome === 'missing') throw new ProblemError(404, 'not-found', 'No such device', `no device ${params.id}`);
      if (outcome === 'no-key-seen') {
        throw new ProblemError(409, 'no-key-seen', 'No host key seen', `discovery has seen no host key on ${params.id}`);
      }
      return { device: params.id, fingerprint: outcome.fingerprint };
    },
  });
}
