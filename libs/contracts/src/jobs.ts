import { z } from 'zod';

/**
 * The job queues and their concurrency, enforced across every replica (the
 * queue consumer's max ack pending). Apps may override each with
 * JOBS_CONCURRENCY_<QUEUE>.
 */
export const QUEUES = { default: 10, discovery: 5, notifications: 10, maintenance: 3 } as const;
export type QueueName = keyof typeof QUEUES;

/** `webhook-process` on `default` (ingress enqueues, discovery runs): apply one accepted webhook. */
export const webhookProcessArgsSchema = z.object({
  source: z.string(),
  deliveryId: z.string(),
  event: z.string(),
  payload: z.record(z.string(), z.unknown()),
});

/** `discovery-scan` on `discovery`: scan one subnet (a normalised CIDR). */
export const discoveryScanArgsSchema = z.object({ subnet: z.string().min(1).max(64) });

/** `session-cleanup` on `maintenance` (collectors, cron): ask owners to restart sessions silent this long. */
export const sessionCleanupArgsSchema = z.object({ staleAfterMs: z.number().int().positive() });
