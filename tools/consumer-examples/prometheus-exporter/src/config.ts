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
  EXPORTER_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 of A-Z a-z 0-9 _ -' })
    .default('prometheus-exporter'),
  EXPORTER_DEVICE: token.default('*'),
  EXPORTER_SUBSCRIPTION: token.default('*'),
  EXPORTER_PATHS: z
    .string()
    .default('/**')
    .transform((s) => s.split(',').map((p) => p.trim()))
    .pipe(z.array(z.string().regex(/^\/[^\s,]*$/, { message: 'each glob must start with / (a comma-separated list)' })).min(1)),
  EXPORTER_DELIVER_POLICY: z.enum(['last_per_subject', 'new', 'all']).default('last_per_subject'),
  EXPORTER_MAX_SERIES: int(1, 10_000_000).default(10_000),
  EXPORTER_MAX_IN_FLIGHT: int(1, 65_536).default(256),
  EXPORTER_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  EXPORTER_HTTP_PORT: int(0, 65_535).default(9464),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ExporterConfig = z.infer<typeof schema>;

/** Bad environment: names every bad variable and why, never a value (some are secrets). */
export class ConfigError extends Error {
  readonly code = 'EXPORTER_CONFIG';
  constructor(readonly problems: string[]) {
    super(`bad configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): ExporterConfig {
  // An empty variable counts as unset.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}
