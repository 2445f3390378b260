import { resolve } from 'node:path';
import { describeAppLifecycle } from '@switch-telemetry/service/testing';

describeAppLifecycle('ingress', resolve(__dirname, '..', 'src', 'main.ts'), { opsPortVariable: 'OPS_PORT' });
