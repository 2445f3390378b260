import { runService } from '@switch-telemetry/service';
import { NOTIFIER_SERVICE } from './notifier';

void runService(NOTIFIER_SERVICE);
