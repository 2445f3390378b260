// `npm run start -w @switch-telemetry/example-prometheus-exporter`: telemetry from JetStream as Prometheus metrics.
import { createLogger } from '@switch-telemetry/logging';
import { ConfigError, loadConfig } from './config';
import { startExporter } from './exporter';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', code: err.code, problems: err.problems })}\n`);
    return 78;
  }
  const log = createLogger({ app: 'prometheus-exporter', level: config.LOG_LEVEL });
  let exporter;
  try {
    exporter = await startExporter(config, log);
  } catch (err) {
    log.fatal({ err }, 'could not start');
    return 69;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await exporter.stop();
  log.info({ ...exporter.consumer.stats() }, 'stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: String((err as Error).message) })}\n`);
    process.exit(1);
  },
);
