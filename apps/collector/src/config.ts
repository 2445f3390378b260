import { durationMs, integer, z } from '@switch-telemetry/config';

export const COLLECTOR_HTTP_PORT = 9101;

/** Variables only the collector reads (COLLECTOR_*). */
export const collectorConfigShape = {
  /** No data for this long: the session is stale and restarted (300 s). */
  COLLECTOR_STALE_AFTER_MS: durationMs(300_000),
  /** A permanent failure (credentials, host key) parks the session this long. */
  COLLECTOR_PARK_MS: durationMs(900_000),
  COLLECTOR_BACKOFF_BASE_MS: durationMs(1_000),
  COLLECTOR_BACKOFF_CAP_MS: durationMs(300_000),
  /** First connects are spread over this, so a restarted collector does not hit every device at once. */
  COLLECTOR_SPREAD_MS: durationMs(5_000),
  COLLECTOR_CONNECT_TIMEOUT_MS: durationMs(5_000),
  /** Per device, messages kept while NATS is down; older ones beyond it are dropped and counted. */
  COLLECTOR_BUFFER_PER_DEVICE: integer(2_000, 10, 1_000_000),
  COLLECTOR_MAX_IN_FLIGHT: integer(1_024, 1, 100_000),
  /** Sessions connecting at once (handshakes), at most; the others wait their turn. */
  COLLECTOR_MAX_CONNECTING: integer(128, 1, 100_000),
  /** When the stale-session cleanup job runs (cron, UTC). */
  COLLECTOR_CLEANUP_CRON: z.string().min(9).default('* * * * *'),
  /** A full reload of the inventory this often, repairing any missed device event. */
  COLLECTOR_RESYNC_MS: durationMs(300_000),
  /** Named device credentials, one file per name (a mounted Secret); DEVICE_CREDENTIALS_<NAME> variables otherwise. */
  COLLECTOR_CREDENTIALS_DIR: z.string().min(1).optional(),
  /** CA bundles and known_hosts files that devices may name (a mounted ConfigMap). */
  COLLECTOR_TRUST_DIR: z.string().min(1).optional(),
};
