import { z } from 'zod';
import { deviceRecordSchema } from './device';
import { sessionStatusSchema } from './session';
import { deviceIdSchema } from './telemetry-message';

/** `events.device.<event>`: a device record was created or changed, or deleted. */
export const DEVICE_EVENTS = ['upserted', 'deleted'] as const;
export type DeviceEvent = (typeof DEVICE_EVENTS)[number];

/**
 * `events.session.<event>`: the session states a collector announces when a
 * session enters them, and `restart_requested` (a user, or the stale-session
 * cleanup, asks the owning collector to restart a session).
 */
export const SESSION_EVENTS = ['up', 'synced', 'stale', 'backoff', 'auth_failed', 'restart_requested'] as const;
export type SessionEvent = (typeof SESSION_EVENTS)[number];

/** `events.device.upserted` and `events.device.deleted`: a device record changed (API, webhook, discovery). */
export const deviceEventBodySchema = z.discriminatedUnion('event', [
  z.object({ v: z.literal(1), event: z.literal('upserted'), device: deviceRecordSchema }).loose(),
  z.object({ v: z.literal(1), event: z.literal('deleted'), id: deviceIdSchema }).loose(),
]);
export type DeviceEventBody = z.infer<typeof deviceEventBodySchema>;

/** `events.session.<state>` and `events.alert.session_down`: a session's status when it changed. */
export const sessionEventBodySchema = sessionStatusSchema.extend({ v: z.literal(1) });
export type SessionEventBody = z.infer<typeof sessionEventBodySchema>;

/**
 * `events.alert.telemetry_dropped`: messages of a device dropped in one round (its buffer overflowed while NATS was down, or a message was
 * larger than NATS accepts).
 */
export const telemetryDroppedBodySchema = z
  .object({ v: z.literal(1), device: deviceIdSchema, dropped: z.number().int().positive(), at: z.string() })
  .loose();
export type TelemetryDroppedBody = z.infer<typeof telemetryDroppedBodySchema>;

/** `events.session.restart_requested`: a user (or the stale-session cleanup) asks the owning collector to restart a session. */
export const restartRequestSchema = z
  .object({ v: z.literal(1), device: deviceIdSchema, at: z.string().optional(), reason: z.string().max(64).optional() })
  .loose();
export type RestartRequest = z.infer<typeof restartRequestSchema>;

/** The one way a restart request is written (the API and the stale-session cleanup both send them). */
export function restartRequest(device: string, reason?: string): RestartRequest {
  return { v: 1, device, at: new Date().toISOString(), ...(reason === undefined ? {} : { reason }) };
}

/** `events.webhook.<source>.<event>`: an accepted incoming webhook, as stored before its 202. */
export const webhookEventBodySchema = z
  .object({
    v: z.literal(1),
    source: z.string(),
    delivery_id: z.string(),
    event: z.string(),
    received_at: z.string(),
    payload: z.record(z.string(), z.unknown()),
  })
  .loose();
export type WebhookEventBody = z.infer<typeof webhookEventBodySchema>;

/** The alert kinds published on `events.alert.<kind>`, and their bodies. */
export const ALERT_KINDS = ['session_down', 'telemetry_dropped'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** How urgent an alert is; an endpoint may ask for alerts of one level and above. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** The severity of each alert kind; a kind this list does not know (a newer collector's) is `warning`. */
export const ALERT_SEVERITY: Readonly<Record<AlertKind, AlertSeverity>> = Object.freeze({
  session_down: 'critical',
  telemetry_dropped: 'warning',
});

/** The body of each alert kind, by kind. */
export const ALERT_BODY_SCHEMAS: Readonly<Record<AlertKind, z.ZodType<{ v: 1; device: string }>>> = Object.freeze({
  session_down: sessionEventBodySchema,
  telemetry_dropped: telemetryDroppedBodySchema,
});

/** `events.endpoint.<event>`: what happened to an outgoing webhook endpoint without a user asking. */
export const ENDPOINT_EVENTS = ['disabled'] as const;
export type EndpointEvent = (typeof ENDPOINT_EVENTS)[number];

/** `events.endpoint.disabled`: the notifier disabled an endpoint (the receiver answered 410, or it kept failing). */
export const endpointDisabledBodySchema = z
  .object({
    v: z.literal(1),
    endpoint: z.uuid(),
    name: z.string(),
    reason: z.string().describe('Why, in words: the receiver answered 410 Gone, or every delivery failed for too long.'),
    at: z.string().describe('When (RFC 3339).'),
  })
  .loose();
export type EndpointDisabledBody = z.infer<typeof endpointDisabledBodySchema>;

/**
 * The JSON body of every outgoing webhook: `type` is the alert kind (or
 * `endpoint.test`), `timestamp` when the alert was raised, `data` the alert's
 * body as published. Signed with Standard Webhooks headers (or the endpoint's
 * `hex`/`github` scheme).
 */
export const alertWebhookBodySchema = z
  .object({
    type: z.string().describe('The alert kind (session_down, telemetry_dropped, ...) or endpoint.test.'),
    timestamp: z.string().describe('When the alert was raised (RFC 3339).'),
    data: z.record(z.string(), z.unknown()).describe('The alert as published on events.alert.<kind>.'),
  })
  .loose();
export type AlertWebhookBody = z.infer<typeof alertWebhookBodySchema>;
