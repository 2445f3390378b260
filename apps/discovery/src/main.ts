import { webhookProcessJob, webhookProcessor } from '@switch-telemetry/inventory';
import { runService } from '@switch-telemetry/service';
import { DISCOVERY_HTTP_PORT, discoveryConfigShape } from './config';

void runService({
  app: 'discovery',
  defaultHttpPort: DISCOVERY_HTTP_PORT,
  configShape: discoveryConfigShape,
  relayOutbox: true,
  ownedPrefixes: ['DISCOVERY_'],
  start: async (ctx) => {
    // The default queue's webhook processing runs here, beside the inventory it writes.
    ctx.jobs.work(
      webhookProcessJob,
      webhookProcessor({ pool: ctx.pool, topology: ctx.topology, jobs: ctx.jobs, onChange: () => ctx.outbox.kick() }),
    );
  },
});
