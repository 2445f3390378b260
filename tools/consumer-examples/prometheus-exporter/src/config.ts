import { z } from 'zod';
import { envDurable, envInt as int, envTokenOrAll as token, loadEnvConfig, natsEnvShape } from '@switch-telemetry/consumer';

const schema = z.object({
  ...natsEnvShape,
  EXPORTER_DURABLE: envDurable.default('prometheus-exporter'),
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
});

export type ExporterConfig = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv): ExporterConfig {
  return loadEnvConfig(schema, env);
}
