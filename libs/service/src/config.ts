import { busConfigShape } from '@switch-telemetry/bus';
import { QUEUES } from '@switch-telemetry/contracts';
import { durationMs, logLevel, port, z } from '@switch-telemetry/config';
import { dbConfigShape } from '@switch-telemetry/db';
import { httpClientConfigShape } from '@switch-telemetry/http-client';
import { integer } from '@switch-telemetry/config';

/** Variables every app reads, with the app's own default HTTP port. */
export function serviceConfigShape(defaultHttpPort: number) {
  return {
    LOG_LEVEL: logLevel('info'),
    HTTP_HOST: z.string().min(1, { message: 'must not be empty' }).default('0.0.0.0'),
    HTTP_PORT: port(defaultHttpPort),
    /** How long SIGTERM may take before the process gives up and exits 1. */
    SHUTDOWN_GRACE_MS: durationMs(20_000),
    READINESS_TIMEOUT_MS: durationMs(1_000),
    /** A job's lease: a replica that stops heart-beating for this long loses the job to another. */
    JOBS_ACK_WAIT_MS: durationMs(30_000),
    /** Queue concurrency across all replicas. */
    JOBS_CONCURRENCY_DEFAULT: integer(QUEUES.default, 1, 10_000),
    JOBS_CONCURRENCY_DISCOVERY: integer(QUEUES.discovery, 1, 10_000),
    JOBS_CONCURRENCY_NOTIFICATIONS: integer(QUEUES.notifications, 1, 10_000),
    JOBS_CONCURRENCY_MAINTENANCE: integer(QUEUES.maintenance, 1, 10_000),
    /** How often the outbox relay looks for unpublished events (it is also kicked after each commit). */
    OUTBOX_POLL_MS: durationMs(1_000),
    ...busConfigShape,
    ...dbConfigShape,
    ...httpClientConfigShape,
  };
}

export type ServiceConfig = z.infer<z.ZodObject<ReturnType<typeof serviceConfigShape>>>;
