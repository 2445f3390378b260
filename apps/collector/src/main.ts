import { runService } from '@switch-telemetry/service';
import { COLLECTOR_HTTP_PORT, collectorConfigShape } from './config';

void runService({
  app: 'collector',
  defaultHttpPort: COLLECTOR_HTTP_PORT,
  configShape: collectorConfigShape,
  ownedPrefixes: ['COLLECTOR_'],
});
