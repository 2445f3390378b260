import { discoveryScanArgsSchema, webhookMemoryPruneArgsSchema, webhookProcessArgsSchema } from '@switch-telemetry/contracts';
import { defineJob } from '@switch-telemetry/jobs';
import { cidrSchema } from './cidr-schema';

/** An accepted incoming webhook, processed in the discovery app. */
export const webhookProcessJob = defineJob({
  name: 'webhook-process',
  queue: 'default',
  args: webhookProcessArgsSchema,
  maxAttempts: 5,
});

/** Scan one subnet (3 attempts, unique per subnet for 5 minutes); the subnet is normalised when enqueued. */
export const DISCOVERY_SCAN_SPEC = Object.freeze({
  name: 'discovery-scan',
  queue: 'discovery',
  args: discoveryScanArgsSchema.extend({ subnet: cidrSchema }),
  maxAttempts: 3,
  unique: true,
});
/** The job as enqueuers know it; the discovery app registers it with its configured timeout. */
export const discoveryScanJob = defineJob(DISCOVERY_SCAN_SPEC);

/** Forget webhook deliveries past their memory and old marks of deleted devices (maintenance, one attempt: the next slot runs it again). */
export const webhookMemoryPruneJob = defineJob({
  name: 'webhook-memory-prune',
  queue: 'maintenance',
  args: webhookMemoryPruneArgsSchema,
  maxAttempts: 1,
});
