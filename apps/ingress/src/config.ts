import { durationMs, integer, jsonOf, port, z } from '@switch-telemetry/config';
import { allowedHostsVariable } from '@switch-telemetry/notifications';
import { subnetPolicyShape } from '@switch-telemetry/scanning';
import { INCOMING_SCHEMES, standardSecretProblem } from '@switch-telemetry/webhook-signatures';

export const INGRESS_HTTP_PORT = 8080;
/** The ops port (/metrics, /healthz, /readyz), kept off the public API; the other apps' ports are 9101-9103. */
export const INGRESS_OPS_PORT = 9100;
/** Open connections the public port holds at once; the kernel backlog waits behind them. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const SCOPES = ['read', 'write', 'admin'] as const;

const webhookSourceSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_-]{1,64}$/, { message: 'name must be 1-64 of a-z 0-9 _ -' }),
    /** standard, github, hex, or netbox (NetBox and Nautobot). */
    scheme: z.enum(INCOMING_SCHEMES),
    /** Several for rotation; any one may sign. */
    secrets: z
      .array(z.string().min(16, { message: 'each secret must be at least 16 characters' }))
      .min(1)
      .max(8),
  })
  .strict()
  .superRefine((source, ctx) => {
    if (source.scheme !== 'standard') return;
    source.secrets.forEach((secret, i) => {
      const problem = standardSecretProblem(secret);
      // The message names the source and the secret's position, never the secret.
      if (problem) ctx.addIssue({ code: 'custom', path: ['secrets', i], message: `source "${source.name}": secret ${i + 1} ${problem}` });
    });
  });

const apiTokenSchema = z
  .object({
    name: z.string().min(1).max(64),
    token: z.string().min(24, { message: 'each token must be at least 24 characters' }),
    /** `admin` implies `write`, which implies `read`. */
    scope: z.enum(SCOPES),
  })
  .strict();

export type WebhookSource = z.infer<typeof webhookSourceSchema>;
export type ApiToken = z.infer<typeof apiTokenSchema>;

/** Variables only the ingress reads (INGRESS_*, OPS_PORT); secrets usually as *_FILE. */
export const ingressConfigShape = {
  INGRESS_WEBHOOK_SOURCES: jsonOf(
    z
      .array(webhookSourceSchema)
      .refine((list) => new Set(list.map((s) => s.name)).size === list.length, { message: 'source names must be unique' }),
  ).default([]),
  INGRESS_API_TOKENS: jsonOf(z.array(apiTokenSchema)).default([]),
  /** Largest accepted request body (webhooks and API); webhooks also stay below what NATS takes. */
  INGRESS_BODY_LIMIT_BYTES: integer(1_048_576, 1_024, 64 * 1_048_576),
  /** How long a webhook waits for JetStream before answering 503. */
  INGRESS_PUBLISH_TIMEOUT_MS: durationMs(2_000),
  /** Retry-After on a 503. */
  INGRESS_RETRY_AFTER_S: integer(5, 1, 3_600),
  /** Connections above this are closed at once; the ones open keep being served. */
  INGRESS_MAX_CONNECTIONS: integer(DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
  /** /metrics, /healthz and /readyz are served here, not on HTTP_PORT. */
  OPS_PORT: port(INGRESS_OPS_PORT),
  /** The notifier's allow-list, read here too: a webhook endpoint URL naming a refused address is a 400 at once. */
  NOTIFIER_ALLOWED_HOSTS: allowedHostsVariable(),
  /** The discovery's limits, read here too: a scan request they refuse is a 400 at once, naming the limit or the list. */
  ...subnetPolicyShape,
};
