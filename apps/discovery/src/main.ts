import { runService } from '@switch-telemetry/service';
import { DISCOVERY_HTTP_PORT, discoveryConfigShape } from './config';

void runService({
  app: 'discovery',
  defaultHttpPort: DISCOVERY_HTTP_PORT,
  configShape: discoveryConfigShape,
  ownedPrefixes: ['DISCOVERY_'],
});
