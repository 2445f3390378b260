// `npm run start -w @switch-telemetry/example-postgres-sink`: telemetry updates from JetStream into a PostgreSQL table.
import { runConsumerApp } from '@switch-telemetry/consumer';
import { createLogger } from '@switch-telemetry/logging';
import { loadConfig } from './config';
import { startSink } from './sink';

runConsumerApp({
  loadConfig,
  async start(config) {
    const log = createLogger({ app: 'postgres-sink', level: config.LOG_LEVEL });
    const sink = await startSink(config, log).catch((err: unknown) => {
      log.fatal({ err }, 'could not start');
      throw err;
    });
    return {
      async stop() {
        await sink.stop();
        log.info({ ...sink.consumer.stats() }, 'stopped');
      },
    };
  },
  // The app's own log line said why.
  onStartFailed: () => undefined,
});
