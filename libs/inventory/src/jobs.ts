import { z } from 'zod';
import { defineJob } from '@switch-telemetry/jobs';
import { cidrSchema } from './device';

/** An accepted incoming webhook, processed in the discovery app. */
export const webhookProcessJob = defineJob({
  name: 'webhook-process',
  queue: 'default',
  args: z.object({
    source: z.string(),
    deliveryId: z.string(),
    event: z.string(),
    payload: z.record(z.string(), z.unknown()),
  }),
  maxAttempts: 5,
});

/** Scan one subnet (3 attempts, unique per subnet for 5 minutes). */
export const discoveryScanJob = defineJob({
  name: 'discovery-scan',
  queue: 'discovery',
  args: z.object({ subnet: cidrSchema }),
  maxAttempts: 3,
  unique: true,
});
