import { resolve } from 'node:path';
import { describeAppLifecycle } from '@switch-telemetry/service/testing';

describeAppLifecycle('discovery', resolve(__dirname, '..', 'src', 'main.ts'));
