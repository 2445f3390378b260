import { z } from 'zod';
import { envDurable, envInt as int, envTokenOrAll as token, loadEnvConfig, natsEnvShape } from '@switch-telemetry/consumer';

const schema = z.object({
  ...natsEnvShape,
  DATABASE_URL: z
    .string()
    .default('postgres://127.0.0.1:5432/switch_telemetry')
    .refine((s) => /^postgres(ql)?:\/\//.test(s), { message: 'must be a postgres:// URL' }),
  DATABASE_PASSWORD: z.string().optional(),
  SINK_DURABLE: envDurable.default('postgres-sink'),
  SINK_DEVICE: token.default('*'),
  SINK_SUBSCRIPTION: token.default('*'),
  SINK_TABLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a lower-case SQL identifier' })
    .default('telemetry_updates'),
  SINK_BATCH_ROWS: int(1, 100_000).default(2_000),
  SINK_BATCH_MS: int(1, 60_000).default(200),
  SINK_MAX_IN_FLIGHT: int(1, 65_536).default(2_048),
  SINK_ACK_WAIT_MS: int(1_000, 600_000).default(30_000),
  SINK_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(10_000),
});

export type SinkConfig = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv): SinkConfig {
  return loadEnvConfig(schema, env);
}
