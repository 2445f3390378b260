import { durationMs, integer } from '@switch-telemetry/config';
import type { HttpClientOptions } from './client';

/** The environment variables of the outbound HTTP client. */
export const httpClientConfigShape = {
  /** Waiting for response headers, and between body chunks (5 s). */
  HTTP_TIMEOUT_MS: durationMs(5_000),
  HTTP_CONNECT_TIMEOUT_MS: durationMs(5_000),
  /** All attempts and waits of one call together. */
  HTTP_DEADLINE_MS: durationMs(30_000),
  /** Connections per origin (25 × 4). */
  HTTP_POOL_CONNECTIONS: integer(100, 1, 10_000),
  HTTP_MAX_ATTEMPTS: integer(4, 1, 20),
  HTTP_BREAKER_FAILURES: integer(5, 1, 1_000),
  HTTP_BREAKER_RESET_MS: durationMs(30_000),
};

type HttpEnv = { [K in keyof typeof httpClientConfigShape]: number };

/** Client options from the validated environment. */
export function httpClientOptionsFrom(config: HttpEnv): Omit<HttpClientOptions, 'log' | 'registry'> {
  return {
    receiveTimeoutMs: config.HTTP_TIMEOUT_MS,
    connectTimeoutMs: config.HTTP_CONNECT_TIMEOUT_MS,
    deadlineMs: config.HTTP_DEADLINE_MS,
    connectionsPerOrigin: config.HTTP_POOL_CONNECTIONS,
    maxAttempts: config.HTTP_MAX_ATTEMPTS,
    breakerFailureThreshold: config.HTTP_BREAKER_FAILURES,
    breakerResetTimeoutMs: config.HTTP_BREAKER_RESET_MS,
  };
}
