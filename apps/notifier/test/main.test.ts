import { resolve } from 'node:path';
import { describeAppLifecycle } from '@switch-telemetry/service/testing';

describeAppLifecycle('notifier', resolve(__dirname, '..', 'src', 'main.ts'));
