import { z } from 'zod';
import { deviceIdSchema } from './telemetry-message';

/** A session's states: connecting → up → synced; stale, backoff and auth_failed on trouble; stopped when it ends. */
export const SESSION_STATES = ['connecting', 'up', 'synced', 'stale', 'backoff', 'auth_failed', 'stopped'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** Why a session is down: a stable code and a message the collector wrote itself (never a library's or a device's text). */
export const sessionFailureSchema = z.object({ code: z.string().min(1).max(64), message: z.string().max(500) }).loose();
export type SessionFailure = z.infer<typeof sessionFailureSchema>;

/** One device's session as the `sessions` KV holds it and `/v1/sessions` serves it. */
export const sessionStatusSchema = z
  .object({
    device: deviceIdSchema,
    state: z.enum(SESSION_STATES),
    since: z.string().describe('When this state began (RFC 3339).'),
    last_update: z.string().nullable().describe('When the last telemetry message came (RFC 3339); null before the first.'),
    restarts: z.number().int().min(0),
    last_error: sessionFailureSchema.nullable(),
    owner: z.string().describe('The collector replica running the session.'),
    retry_at: z.string().optional().describe('When the next attempt is due (backoff, parked).'),
  })
  .loose();
export type SessionStatus = z.infer<typeof sessionStatusSchema>;
