import { JOBS_DUPLICATE_WINDOW_MS } from '@switch-telemetry/bus';
import { durationMs, integer, jsonOf, z } from '@switch-telemetry/config';
import { WEBHOOK_CONTENT_WINDOW_MS, WEBHOOK_DELIVERY_RETENTION_MS, cidrSchema } from '@switch-telemetry/inventory';
import { netboxConfigShape } from '@switch-telemetry/netbox';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_GNMI_PORTS,
  DEFAULT_NETCONF_PORTS,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_RATE_PER_S,
  DEFAULT_SUBSCRIPTIONS,
  IDENTIFY_TIMEOUT_MS,
  MISSING_AFTER_SCANS,
  SCAN_RETENTION_MS,
  defaultSubscriptionsSchema,
  discoveryProfileSchema,
  subnetPolicyShape,
} from '@switch-telemetry/scanning';

/** The ingress answers repeats inside the JOBS stream's duplicate window itself, so a content window is never shorter. */
const MIN_CONTENT_WINDOW_MS = JOBS_DUPLICATE_WINDOW_MS;

const portList = (defaults: readonly number[]) =>
  z
    .string()
    .default(defaults.join(','))
    .transform((text, ctx) => {
      const ports = text
        .split(/[\s,]+/)
        .filter((p) => p !== '')
        .map(Number);
      if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65_535)) {
        ctx.addIssue({ code: 'custom', message: 'must be ports from 1 to 65535, separated by commas' });
        return z.NEVER;
      }
      return [...new Set(ports)];
    });

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
  /** DISCOVERY_ALLOWED_SUBNETS, DISCOVERY_MAX_PREFIX_V4, DISCOVERY_MAX_PREFIX_V6: what a scan may cover. */
  ...subnetPolicyShape,
  DISCOVERY_GNMI_PORTS: portList(DEFAULT_GNMI_PORTS),
  DISCOVERY_NETCONF_PORTS: portList(DEFAULT_NETCONF_PORTS),
  /** Hosts probed at once by one scan. */
  DISCOVERY_CONCURRENCY: integer(DEFAULT_CONCURRENCY, 1, 16_384),
  DISCOVERY_PROBE_TIMEOUT_MS: durationMs(DEFAULT_PROBE_TIMEOUT_MS),
  /** Probes started per second at most, per scan. */
  DISCOVERY_RATE_PER_S: integer(DEFAULT_RATE_PER_S, 1, 1_000_000),
  /** Each identification attempt (a profile on an open port). */
  DISCOVERY_IDENTIFY_TIMEOUT_MS: durationMs(IDENTIFY_TIMEOUT_MS),
  /** The credential profiles tried in order on each open port:
   * [{"name","credentials","plaintext","insecure_skip_verify","pin_host_key"}]. */
  DISCOVERY_PROFILES: jsonOf(z.array(discoveryProfileSchema).max(16)).default([]),
  /** What new devices collect, per protocol. */
  DISCOVERY_DEFAULT_SUBSCRIPTIONS: jsonOf(defaultSubscriptionsSchema).default(DEFAULT_SUBSCRIPTIONS),
  /** A device not found by this many scans of its subnet in a row is marked missing. */
  DISCOVERY_MISSING_AFTER_SCANS: integer(MISSING_AFTER_SCANS, 1, 1_000),
  /** How long scans and their results are kept. */
  DISCOVERY_RESULT_RETENTION_MS: durationMs(SCAN_RETENTION_MS),
  /** A scan may run this long (a /16 whose addresses all time out needs minutes). */
  DISCOVERY_SCAN_TIMEOUT_MS: durationMs(1_800_000),
  /** Subnets scanned on a schedule: [{"subnet":"10.0.0.0/24","cron":"0 * * * *"}], one scan per slot across replicas. */
  DISCOVERY_SCHEDULE: jsonOf(z.array(z.object({ subnet: cidrSchema, cron: z.string().min(9) }).strict()).max(256)).default([]),
  /** Named credentials, one file per name (a mounted Secret); DEVICE_CREDENTIALS_<NAME> variables otherwise. */
  DISCOVERY_CREDENTIALS_DIR: z.string().min(1).optional(),
  /** NETBOX_SOURCES, NETBOX_TOKENS, NETBOX_PAGE_DEADLINE_MS: the NetBox instances followed. */
  ...netboxConfigShape,
};

export const DISCOVERY_HTTP_PORT = 9102;
/** Unknown variables under these are refused (a misspelt WEBHOOK_CONTENT_WINDOW_MS must not fall back to the default silently). */
export const DISCOVERY_OWNED_PREFIXES = ['DISCOVERY_', 'WEBHOOK_', 'NETBOX_'];
