import { durationMs, integer, z } from '@switch-telemetry/config';
import {
  DELIVER_BACKOFF,
  DELIVERY_LOG_RETENTION_MS,
  DISABLE_AFTER_MS,
  RETRY_AFTER_CAP_MS,
  allowedHostsVariable,
} from '@switch-telemetry/notifications';

/** Variables only the notifier reads (NOTIFIER_*); the common ones come from the service lib. */
export const notifierConfigShape = {
  /**
   * Hosts webhooks may reach although they resolve to loopback, private,
   * link-local, CGNAT or metadata addresses: host names, `*.domain`, IP
   * addresses or CIDRs, separated by commas. Empty: public addresses only.
   */
  NOTIFIER_ALLOWED_HOSTS: allowedHostsVariable(),
  /** Waiting for a receiver's answer headers, and between body chunks. */
  NOTIFIER_TIMEOUT_MS: durationMs(5_000),
  NOTIFIER_CONNECT_TIMEOUT_MS: durationMs(5_000),
  /** The wait before the second attempt; it doubles each time up to the cap (plus up to 50 %). */
  NOTIFIER_RETRY_BASE_MS: durationMs(DELIVER_BACKOFF.baseMs),
  NOTIFIER_RETRY_CAP_MS: durationMs(DELIVER_BACKOFF.capMs),
  /** A receiver's Retry-After is honoured up to this. */
  NOTIFIER_RETRY_AFTER_CAP_MS: durationMs(RETRY_AFTER_CAP_MS),
  /** Retryable failures in a row to one receiver (origin) that open its breaker. */
  NOTIFIER_BREAKER_FAILURES: integer(5, 1, 1_000),
  /** How long an open breaker waits before one trial delivery. */
  NOTIFIER_BREAKER_RESET_MS: durationMs(30_000),
  /** An endpoint whose every attempt failed for this long is disabled. */
  NOTIFIER_DISABLE_AFTER_MS: durationMs(DISABLE_AFTER_MS),
  /** How long deliveries and their attempts are kept. */
  NOTIFIER_LOG_RETENTION_MS: durationMs(DELIVERY_LOG_RETENTION_MS),
  /** When the delivery log past its retention is deleted (cron, UTC). */
  NOTIFIER_LOG_PRUNE_CRON: z.string().min(9).default('23 * * * *'),
};

export type NotifierConfig = { [K in keyof typeof notifierConfigShape]: z.output<(typeof notifierConfigShape)[K]> };

export const NOTIFIER_HTTP_PORT = 9103;
