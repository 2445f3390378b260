import { webhookProcessJob, webhookProcessor } from '@switch-telemetry/inventory';
import { runService } from '@switch-telemetry/service';
import { DISCOVERY_HTTP_PORT, discoveryConfigShape } from './config';

void runService({
  app: 'discovery',
  defaultHttpPort: DISCOVERY_HTTP_PORT,
  configShape: discoveryConfigShape,
  ownedPrefixes: ['DISCOVERY_'],
  start: async (ctx) => {
    // DESIGN.md: the default queue's webhook processing runs here.
    ctx.jobs.work(webhookProcessJob, webhookProcessor({ pool: ctx.pool, bus: ctx.bus, topology: ctx.topology, jobs: ctx.jobs }));
  },
});
