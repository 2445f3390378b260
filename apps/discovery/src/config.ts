import { JOBS_DUPLICATE_WINDOW_MS } from '@switch-telemetry/bus';
import { durationMs, z } from '@switch-telemetry/config';
import { WEBHOOK_CONTENT_WINDOW_MS, WEBHOOK_DELIVERY_RETENTION_MS } from '@switch-telemetry/inventory';

/** The ingress answers repeats inside the JOBS stream's duplicate window itself, so a content window is never shorter. */
const MIN_CONTENT_WINDOW_MS = JOBS_DUPLICATE_WINDOW_MS;

/**
 * Variables only the discovery reads (DISCOVERY_*, and WEBHOOK_* for the
 * webhook processing that runs here); the common ones come from the service lib.
 */
export const discoveryConfigShape = {
  /** How long a webhook delivery identified only by its content (no sender id) is remembered from its arrival. */
  WEBHOOK_CONTENT_WINDOW_MS: durationMs(WEBHOOK_CONTENT_WINDOW_MS).refine((ms) => ms >= MIN_CONTENT_WINDOW_MS, {
    message: `must be at least ${MIN_CONTENT_WINDOW_MS} (the JOBS stream's duplicate window, inside which the ingress already drops repeats)`,
  }),
  /** How long a sender-given delivery id, and a deleted device's latest change, is remembered. */
  WEBHOOK_DELIVERY_RETENTION_MS: durationMs(WEBHOOK_DELIVERY_RETENTION_MS),
  /** When the maintenance job forgets what is past those (cron, UTC). */
  WEBHOOK_PRUNE_CRON: z.string().min(9).default('*/10 * * * *'),
};

export const DISCOVERY_HTTP_PORT = 9102;
/** Unknown variables under these are refused (a misspelt WEBHOOK_CONTENT_WINDOW_MS must not fall back to the default silently). */
export const DISCOVERY_OWNED_PREFIXES = ['DISCOVERY_', 'WEBHOOK_'];
