import { z } from 'zod';

/** Exit statuses of a consumer app (sysexits): 78 bad configuration, 69 a dependency that does not answer at start. */
export const EXIT_CONFIG = 78;
export const EXIT_UNAVAILABLE = 69;

/** A whole number within [min, max], from an environment variable's text. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `*` or one subject token (a device id or a subscription name). */
export const envTokenOrAll = z.union([
  z.literal('*'),
  z.string().regex(/^[a-z0-9_-]{1,128}$/, { message: 'must be * or 1-128 of a-z 0-9 _ -' }),
]);

/** A durable consumer's name. */
export const envDurable = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 of A-Z a-z 0-9 _ -' });

/** How a consumer app reaches NATS: the variables every SwitchTelemetry service reads, with the same meaning. */
export const natsEnvShape = {
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_TOKEN: z.string().min(1).optional(),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().optional(),
  NATS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_]{0,32}$/, { message: 'must be 0-32 of A-Z a-z 0-9 _' })
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** A bad environment: names every bad variable and why, never a value (some are secrets). */
export class EnvConfigError extends Error {
  readonly code = 'CONSUMER_CONFIG';
  constructor(readonly problems: string[]) {
    super(`bad configuration: ${problems.join('; ')}`);
    this.name = 'EnvConfigError';
  }
}

/** Reads `schema` from the environment (an empty variable counts as unset); EnvConfigError names every problem. */
export function loadEnvConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new EnvConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}

/** What an app's start gives back: how to stop it. */
export interface RunningApp {
  stop(): Promise<void>;
}

/**
 * Runs a consumer app as a process: reads its configuration (exit 78 on a
 * bad one, naming every problem on stderr as one JSON line), starts it (exit
 * 69 when that fails: NATS or its store does not answer), and on SIGTERM or
 * SIGINT stops it (exit 0: what it acknowledged is done, the rest comes again).
 */
export function runConsumerApp<C>(app: {
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  start: (config: C) => Promise<RunningApp>;
  onStartFailed?: (err: unknown) => void;
}): void {
  const main = async (): Promise<number> => {
    let config: C;
    try {
      config = app.loadConfig(process.env);
    } catch (err) {
      if (!(err instanceof EnvConfigError)) throw err;
      process.stderr.write(`${JSON.stringify({ level: 'fatal', code: err.code, problems: err.problems })}\n`);
      return EXIT_CONFIG;
    }
    let running: RunningApp;
    try {
      running = await app.start(config);
    } catch (err) {
      if (app.onStartFailed) app.onStartFailed(err);
      else process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: `could not start: ${(err as Error).message}` })}\n`);
      return EXIT_UNAVAILABLE;
    }
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await running.stop();
    return 0;
  };
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: String((err as Error).message) })}\n`);
      process.exit(1);
    },
  );
}
