// `npm run start -w @switch-telemetry/example-prometheus-exporter`: telemetry from JetStream as Prometheus metrics.
import { runConsumerApp } from '@switch-telemetry/consumer';
import { createLogger } from '@switch-telemetry/logging';
import { loadConfig } from './config';
import { startExporter } from './exporter';

runConsumerApp({
  loadConfig,
  async start(config) {
    const log = createLogger({ app: 'prometheus-exporter', level: config.LOG_LEVEL });
    const exporter = await startExporter(config, log).catch((err: unknown) => {
      log.fatal({ err }, 'could not start');
      throw err;
    });
    return {
      async stop() {
        await exporter.stop();
        log.info({ ...exporter.consumer.stats() }, 'stopped');
      },
    };
  },
  // The app's own log line said why.
  onStartFailed: () => undefined,
});
