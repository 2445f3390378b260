import { performance } from 'node:perf_hooks';
import type { Topology } from '@switch-telemetry/bus';
import type { Pool } from '@switch-telemetry/db';
import { PERMANENT, RETRYABLE, backoffDelayMs, classify, errorClass, type BackoffPolicy } from '@switch-telemetry/errors';
import { CircuitOpenError, HttpStatusError, type HttpClient } from '@switch-telemetry/http-client';
import { discard, snooze, type JobContext, type JobResult } from '@switch-telemetry/jobs';
import { signatureHeaders } from '@switch-telemetry/webhook-signatures';
import pkg from '../package.json';
import { AddressPolicy, checkWebhookUrl } from './address-guard';
import { NotificationErrorCodes } from './codes';
import { DeliveryLog, type AttemptOutcome, type DeliveryToSend } from './deliveries';
import { EndpointRepository } from './endpoints';
import { DELIVER_BACKOFF, type WebhookDeliverArgs } from './jobs';
import type { NotifierMetrics } from './metrics';

/** Names the sender to receivers (and their logs). */
export const USER_AGENT = `SwitchTelemetry-Notifier/${pkg.version}`;
/** An endpoint whose every attempt failed this long is disabled (5 days). */
export const DISABLE_AFTER_MS = 5 * 86_400_000;
/** A receiver's Retry-After is honoured up to this (1 h). */
export const RETRY_AFTER_CAP_MS = 3_600_000;

/** A retryable failure of one attempt: carries when the job runtime is to try again. */
export class DeliveryFailedError extends errorClass(NotificationErrorCodes.DELIVERY_FAILED, RETRYABLE) {
  retryAfterMs?: number;
}
/** The receiver refused the webhook for good (a 4xx other than 408, 425, 429): retrying would not help. */
export class DeliveryRejectedError extends errorClass(NotificationErrorCodes.DELIVERY_REJECTED, PERMANENT) {}

export interface DelivererOptions {
  pool: Pool;
  topology: Topology;
  /** The notifier's own client: one attempt per call, the guard's lookup, a breaker per receiver. */
  client: HttpClient;
  policy: AddressPolicy;
  metrics: NotifierMetrics;
  /** Called after a change written through the outbox (an endpoint disabled). */
  onChange?: () => void;
  backoff?: BackoffPolicy;
  retryAfterCapMs?: number;
  disableAfterMs?: number;
  random?: () => number;
}

type Verdict = 'retry' | 'permanent' | 'gone';

/**
 * 410 disables the endpoint; otherwise the HTTP client's classification decides (5xx, 408, 425, 429, timeouts
 * and connection errors may succeed later; any other answer is final).
 */
export function verdictOf(error: unknown): Verdict {
  if (error instanceof HttpStatusError && error.status === 410) return 'gone';
  return classify(error) === PERMANENT ? 'permanent' : 'retry';
}

/** The headers of one attempt: the signature is made now (its timestamp is this attempt's), over the stored body. */
export function deliveryHeaders(delivery: DeliveryToSend, nowS: number): Record<string, string> {
  const { scheme, secrets } = delivery.endpoint;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...signatureHeaders(scheme, secrets, delivery.body, { id: delivery.id, timestampS: nowS }),
  };
  // The delivery's id travels in the header each scheme's receivers read.
  if (scheme === 'hex') headers['x-webhook-id'] = delivery.id;
  if (scheme === 'github') {
    headers['x-github-delivery'] = delivery.id;
    headers['x-github-event'] = delivery.type;
  }
  return headers;
}

const errorCode = (error: unknown) => (error as { code?: unknown })?.code as string | undefined;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The `webhook-deliver` worker: sends one stored delivery to its endpoint,
 * once per call, and records the attempt. Outcomes: 2xx delivered; 410
 * disables the endpoint; another final answer (or an address the guard
 * refuses) goes to the dead letters at once; anything that may pass later is
 * retried by the job runtime when this says (its backoff, or the receiver's
 * Retry-After); an open breaker snoozes the job without using an attempt.
 */
export function webhookDeliverer(options: DelivererOptions): (args: WebhookDeliverArgs, ctx: JobContext) => Promise<void | JobResult> {
  const log = new DeliveryLog(options.pool);
  const endpoints = new EndpointRepository(options.pool);
  const { metrics, client, policy } = options;
  const backoff = options.backoff ?? DELIVER_BACKOFF;
  const retryAfterCap = options.retryAfterCapMs ?? RETRY_AFTER_CAP_MS;
  const disableAfter = options.disableAfterMs ?? DISABLE_AFTER_MS;
  const random = options.random ?? Math.random;
  const disabledSubject = options.topology.subjects.endpointEvent('disabled');

  const disable = async (endpointId: string, reason: string, why: 'gone' | 'failing', ctx: JobContext) => {
    if (await endpoints.disable(endpointId, reason, disabledSubject)) {
      metrics.endpointsDisabled.inc({ reason: why });
      ctx.log.warn({ endpoint: endpointId, reason }, 'webhook endpoint disabled');
      options.onChange?.();
    }
  };

  return async ({ deliveryId, redeliver }, ctx) => {
    const delivery = await log.toSend(deliveryId);
    if (!delivery) {
      // Its endpoint was deleted (the delivery with it), or it was pruned: nobody is left to send it to.
      ctx.log.info({ delivery: deliveryId }, 'delivery no longer stored (endpoint deleted, or past retention); nothing to send');
      return;
    }
    if (delivery.state === 'delivered' && !redeliver) return;
    const endpoint = delivery.endpoint;
    if (!endpoint.enabled) {
      metrics.deliveries.inc({ outcome: 'skipped' });
      await log.markFailed(delivery.id);
      return discard(`endpoint ${endpoint.id} is disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}`);
    }

    const record = async (
      outcome: AttemptOutcome,
      fields: Omit<Parameters<DeliveryLog['recordAttempt']>[0], 'deliveryId' | 'outcome' | 'state'>,
    ) => {
      metrics.deliveries.inc({ outcome });
      await log.recordAttempt({
        deliveryId: delivery.id,
        outcome,
        state: outcome === 'delivered' ? 'delivered' : outcome === 'retrying' ? 'pending' : 'failed',
        ...fields,
      });
    };

    let url: URL;
    try {
      url = checkWebhookUrl(endpoint.url, policy);
    } catch (error) {
      await record('refused', { errorCode: errorCode(error), error: messageOf(error) });
      throw error;
    }

    const started = performance.now();
    try {
      const res = await client.request<string>({
        method: 'POST',
        url: url.href,
        body: delivery.body,
        headers: deliveryHeaders(delivery, Math.floor(Date.now() / 1_000)),
        expect: 'excerpt',
        maxAttempts: 1,
        signal: ctx.signal,
      });
      const latencyMs = performance.now() - started;
      metrics.latency.observe({ outcome: 'delivered' }, latencyMs / 1_000);
      await record('delivered', { statusCode: res.status, latencyMs, responseExcerpt: res.body });
      if (endpoint.failing) await endpoints.noteSuccess(endpoint.id);
      return;
    } catch (error) {
      const latencyMs = performance.now() - started;
      // The job timed out or its process is stopping: the runtime hands it back; this was no answer of the receiver's.
      if (ctx.signal.aborted) throw error;
      if (error instanceof CircuitOpenError) {
        // The receiver's breaker is open: wait for its trial without using an attempt.
        metrics.deliveries.inc({ outcome: 'snoozed' });
        const waitMs = error.retryAfterMs + Math.floor(random() * 1_000);
        await log.setNextAttempt(delivery.id, new Date(Date.now() + waitMs));
        return snooze(waitMs / 1_000);
      }
      const status = error instanceof HttpStatusError ? error.status : undefined;
      const excerpt = error instanceof HttpStatusError ? error.bodyExcerpt : undefined;
      const base = { statusCode: status, latencyMs, errorCode: errorCode(error), error: messageOf(error), responseExcerpt: excerpt };
      const verdict = errorCode(error) === NotificationErrorCodes.ADDRESS_REFUSED ? 'refused' : verdictOf(error);
      if (verdict !== 'refused') metrics.latency.observe({ outcome: verdict === 'retry' ? 'retrying' : 'failed' }, latencyMs / 1_000);

      if (verdict === 'refused') {
        await record('refused', base);
        throw error;
      }
      if (verdict === 'gone') {
        await record('disabled', base);
        const reason = `the receiver answered 410 Gone at ${new Date().toISOString()}`;
        await disable(endpoint.id, reason, 'gone', ctx);
        return discard(`endpoint ${endpoint.id} disabled: ${reason}`);
      }
      const health = await endpoints.noteFailure(endpoint.id, disableAfter);
      if (verdict === 'permanent') {
        await record('failed', base);
        throw new DeliveryRejectedError(`${url.origin} refused the webhook: ${messageOf(error)}`, { cause: error, details: { status } });
      }
      const last = ctx.attempt >= ctx.maxAttempts;
      const asked = (error as { retryAfterMs?: number }).retryAfterMs;
      const delayMs = asked !== undefined ? Math.min(asked, retryAfterCap) : backoffDelayMs(backoff, ctx.attempt, random);
      await record(last ? 'failed' : 'retrying', { ...base, ...(last ? {} : { nextRetryAt: new Date(Date.now() + delayMs) }) });
      if (health?.tooLong) {
        const reason = `every attempt has failed since ${health.failingSince.toISOString()}`;
        await disable(endpoint.id, reason, 'failing', ctx);
      }
      const failed = new DeliveryFailedError(`delivery to ${url.origin} failed: ${messageOf(error)}`, {
        cause: error,
        details: { status },
      });
      failed.retryAfterMs = delayMs;
      throw failed;
    }
  };
}
