import { runService } from '@switch-telemetry/service';
import { NOTIFIER_HTTP_PORT, notifierConfigShape } from './config';

void runService({
  app: 'notifier',
  defaultHttpPort: NOTIFIER_HTTP_PORT,
  configShape: notifierConfigShape,
  ownedPrefixes: ['NOTIFIER_'],
});
