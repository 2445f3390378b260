import { z } from 'zod';

/**
 * The job queues and their concurrency, enforced across every replica (the
 * queue consumer's max ack pending). Apps may override each with
 * JOBS_CONCURRENCY_<QUEUE>.
 */
export const QUEUES = { default: 10, discovery: 5, notifications: 10, maintenance: 3 } as const;
export type QueueName = keyof typeof QUEUES;

/**
 * `webhook-process` on `default` (ingress enqueues, discovery runs): apply one accepted webhook.
 * `identity`: who named the delivery id (`sender`: its repeats are recognised for days; `content`:
 * the body's hash, recognised for minutes). `receivedAt`: when the ingress accepted it; `sentAt`: when
 * the sender says it sent it (Standard Webhooks `webhook-timestamp`), both RFC 3339. Jobs stored before
 * these fields existed lack them: `sender`, and the time they are processed.
 */
export const webhookProcessArgsSchema = z.object({
  source: z.string(),
  deliveryId: z.string(),
  event: z.string(),
  payload: z.record(z.string(), z.unknown()),
  identity: z.enum(['sender', 'content']).optional(),
  receivedAt: z.iso.datetime({ offset: true }).optional(),
  sentAt: z.iso.datetime({ offset: true }).optional(),
  /** The source's signature scheme at the ingress (`netbox` deliveries go through the source's NetBox mapping). */
  scheme: z.enum(['hex', 'github', 'standard', 'netbox']).optional(),
});

/** `discovery-scan` on `discovery`: scan one subnet (a normalised CIDR). */
export const discoveryScanArgsSchema = z.object({ subnet: z.string().min(1).max(64) });

/** `session-cleanup` on `maintenance` (collectors, cron): ask owners to restart sessions silent this long. */
export const sessionCleanupArgsSchema = z.object({ staleAfterMs: z.number().int().positive() });

/**
 * `webhook-memory-prune` on `maintenance` (discovery, cron): delete remembered webhook deliveries past
 * their memory, and deleted devices' change marks recorded longer ago than `retentionMs`.
 */
export const webhookMemoryPruneArgsSchema = z.object({ retentionMs: z.number().int().positive() });

/**
 * `webhook-deliver` on `notifications` (the notifier fans alerts out; the
 * ingress enqueues tests and redeliveries): send one stored delivery to its
 * endpoint. `redeliver`: send it even if it was delivered before.
 */
export const webhookDeliverArgsSchema = z.object({
  deliveryId: z.string().regex(/^msg_[0-9a-z]{1,64}$/),
  redeliver: z.boolean().optional(),
});

/** `notification-log-prune` on `maintenance` (notifier, cron): delete deliveries and their attempts older than `retentionMs`. */
export const notificationLogPruneArgsSchema = z.object({ retentionMs: z.number().int().positive() });

/**
 * `netbox-sync` on `maintenance` (discovery; on each source's cron, or asked for through the API):
 * pull one NetBox source's listing and apply it.
 */
export const netboxSyncArgsSchema = z.object({ source: z.string().regex(/^[a-z0-9_-]{1,48}$/) });
