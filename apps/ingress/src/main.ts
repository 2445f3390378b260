import { runService } from '@switch-telemetry/service';
import { INGRESS_HTTP_PORT, ingressConfigShape } from './config';

void runService({
  app: 'ingress',
  defaultHttpPort: INGRESS_HTTP_PORT,
  configShape: ingressConfigShape,
  ownedPrefixes: ['INGRESS_'],
});
