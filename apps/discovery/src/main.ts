import { runService } from '@switch-telemetry/service';
import { DISCOVERY_SERVICE } from './discovery';

void runService(DISCOVERY_SERVICE);
