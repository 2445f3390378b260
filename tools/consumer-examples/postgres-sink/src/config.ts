import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const token = z.union([z.literal('*'), z.string().regex(/^[a-z0-9_-]{1,128}$/, { message: 'must be * or 1-128 of a-z 0-9 _ -' })]);

const schema = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_TOKEN: z.string().min(1).optional(),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().optional(),
  NATS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_]{0,32}$/, { message: 'must be 0-32 of A-Z a-z 0-9 _' })
    .default(''),
  DATABASE_URL: z
    .string()
    .default('postgres://127.0.0.1:5432/switch_telemetry')
    .refine((s) => /^postgres(ql)?:\/\//.test(s), { message: 'must be a postgres:// URL' }),
  DATABASE_PASSWORD: z.string().optional(),
  SINK_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 of A-Z a-z 0-9 _ -' })
    .default('postgres-sink'),
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SinkConfig = z.infer<typeof schema>;

/** Bad environment: names every bad variable and why, never a value (some are secrets). */
export class ConfigError extends Error {
  readonly code = 'SINK_CONFIG';
  constructor(readonly problems: string[]) {
    super(`bad configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): SinkConfig {
  // An empty variable counts as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}
