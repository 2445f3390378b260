import { busConfigShape, connectBus } from '@switch-telemetry/bus';
import { loadConfig, logLevel, z, type Env } from '@switch-telemetry/config';
import { ConfigError, EXIT_CONFIG, EXIT_UNAVAILABLE } from '@switch-telemetry/config';
import { createPool, dbConfigShape, ensureDatabase, migrate } from '@switch-telemetry/db';
import { createLogger, redactUrl, type Logger } from '@switch-telemetry/logging';

/** What `npm start` and `npm run migrate` read: the database and NATS settings every app shares. */
export const stackConfigSchema = z.object({ ...busConfigShape, ...dbConfigShape, LOG_LEVEL: logLevel('info') });
export type StackConfig = z.infer<typeof stackConfigSchema>;

// npm start runs the services step first (prestart: services-main.ts up
// start), which starts NATS and PostgreSQL when their URLs are on this
// machine; so what is left to fix here is a server elsewhere, or a step skipped.
export const START_NATS = 'npm run services:up starts it when NATS_URL is on this machine; otherwise start the server NATS_URL names';
export const START_POSTGRES =
  'npm run services:up starts it when DATABASE_URL is on this machine; otherwise start the server DATABASE_URL names';

/** A dependency that does not answer, with the one line that fixes it. */
export class PreflightError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

export function loadStackConfig(env: Env = process.env): StackConfig {
  return loadConfig(stackConfigSchema, { env });
}

/** Fails with a PreflightError naming the fix when NATS does not answer. */
export async function checkNats(config: StackConfig, log: Logger): Promise<void> {
  try {
    const bus = await connectBus({
      servers: config.NATS_URL,
      name: 'preflight',
      token: config.NATS_TOKEN,
      connectTimeoutMs: config.NATS_CONNECT_TIMEOUT_MS,
      log,
    });
    await bus.jsm.getAccountInfo();
    await bus.close();
  } catch {
    throw new PreflightError(`NATS with JetStream does not answer at ${redactUrl(config.NATS_URL)}`, START_NATS);
  }
}

/** Creates the database when missing; fails with a PreflightError naming the fix when PostgreSQL does not answer. */
export async function checkPostgres(config: StackConfig): Promise<boolean> {
  try {
    return await ensureDatabase(config.DATABASE_URL, {
      password: config.DATABASE_PASSWORD,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || /timeout/i.test((err as Error).message)) {
      throw new PreflightError(`PostgreSQL does not answer at ${redactUrl(config.DATABASE_URL)}`, START_POSTGRES);
    }
    throw new PreflightError(
      `PostgreSQL refused us at ${redactUrl(config.DATABASE_URL)}: ${(err as Error).message}`,
      "check DATABASE_URL and the role's rights",
    );
  }
}

/**
 * The steps before any app may start: valid config, NATS answers (when
 * asked), the database exists and is migrated. Returns the config, or the
 * exit status after printing one line that says what to fix.
 */
export async function prepareStack(options: { checkNats: boolean; app: string }): Promise<StackConfig | number> {
  let config: StackConfig;
  try {
    config = loadStackConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return EXIT_CONFIG;
  }
  const log = createLogger({ app: options.app, level: config.LOG_LEVEL });
  try {
    if (options.checkNats) await checkNats(config, log.child({ component: 'preflight' }));
    if (await checkPostgres(config)) log.info({ database: redactUrl(config.DATABASE_URL) }, 'database created');
  } catch (err) {
    if (!(err instanceof PreflightError)) throw err;
    console.error(`${err.message}. Fix: ${err.fix}`);
    return EXIT_UNAVAILABLE;
  }
  const pool = createPool({ url: config.DATABASE_URL, password: config.DATABASE_PASSWORD, applicationName: options.app, log, max: 1 });
  try {
    const applied = await migrate(pool, log);
    log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
  } finally {
    await pool.end();
  }
  return config;
}
