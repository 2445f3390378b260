import { durationMs, integer, secret, z } from '@switch-telemetry/config';

const NATS_SCHEMES = ['nats', 'tls', 'ws', 'wss'];

/** NATS_URL: one URL or a comma-separated list, each nats://, tls://, ws:// or wss://. */
const natsServers = z
  .string()
  .refine(
    (value) =>
      value.split(',').every((part) => {
        try {
          return NATS_SCHEMES.includes(new URL(part.trim()).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      }),
    { message: `must be one or more comma-separated URLs with scheme ${NATS_SCHEMES.join(', ')}` },
  )
  .default('nats://127.0.0.1:4222');

const DAY_S = 86_400;

/** The environment variables of the bus lib; every app includes them. */
export const busConfigShape = {
  NATS_URL: natsServers,
  NATS_TOKEN: secret().optional(),
  /** A user of its own per app, so the server can hold each app to the subjects it may use. */
  NATS_USER: z.string().min(1).max(256).optional(),
  NATS_PASSWORD: secret().optional(),
  NATS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_]{0,32}$/, { message: 'must be up to 32 of A-Z a-z 0-9 _' })
    .default(''),
  NATS_CONNECT_TIMEOUT_MS: durationMs(5_000),
  NATS_RECONNECT_WAIT_MS: durationMs(2_000),
  NATS_RECONNECT_JITTER_MS: durationMs(1_000),
  /** A publish waits up to this long for others to share its socket write; 0: until the end of the event-loop turn. */
  NATS_PUBLISH_BATCH_MS: integer(1, 0, 100),
  /** Copies of every stream and KV bucket: 1 on a single server, 3 on a JetStream cluster of three or more servers. */
  NATS_REPLICAS: integer(1, 1, 5),
  TELEMETRY_MAX_AGE_S: integer(DAY_S, 60, 3_650 * DAY_S),
  TELEMETRY_MAX_BYTES: integer(1024 ** 3, 1024 ** 2, Number.MAX_SAFE_INTEGER),
};
