import { notificationLogPruneArgsSchema, webhookDeliverArgsSchema } from '@switch-telemetry/contracts';
import { defineJob, type JobTypeSpec } from '@switch-telemetry/jobs';
import type { z } from 'zod';

export type WebhookDeliverArgs = z.infer<typeof webhookDeliverArgsSchema>;

/** Five attempts, then the dead letters. */
export const DELIVER_MAX_ATTEMPTS = 5;
/** A job's bound: the HTTP attempt has its own (connect 5 s, each receive 5 s, 15 s in all) well inside it. */
export const DELIVER_TIMEOUT_MS = 30_000;
/** Between attempts: 30 s, 1 min, 2 min, 4 min, plus up to 50 % (a receiver's Retry-After wins, capped). */
export const DELIVER_BACKOFF = Object.freeze({ baseMs: 30_000, capMs: 3_600_000, jitter: 0.5 });

/** `webhook-deliver`'s definition; the notifier registers it with its configured backoff. */
export const WEBHOOK_DELIVER_SPEC: JobTypeSpec<WebhookDeliverArgs> = Object.freeze({
  name: 'webhook-deliver',
  queue: 'notifications',
  args: webhookDeliverArgsSchema,
  maxAttempts: DELIVER_MAX_ATTEMPTS,
  timeoutMs: DELIVER_TIMEOUT_MS,
  backoff: DELIVER_BACKOFF,
});

/** Send one stored delivery to its endpoint (enqueued with the delivery id as the job id). */
export const webhookDeliverJob = defineJob(WEBHOOK_DELIVER_SPEC);

/** Delete the delivery log older than its retention (cron in the notifier, one run per slot). */
export const notificationLogPruneJob = defineJob({
  name: 'notification-log-prune',
  queue: 'maintenance',
  args: notificationLogPruneArgsSchema,
  maxAttempts: 1,
});
