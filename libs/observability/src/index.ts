export { createMetricsRegistry, type Registry } from './metrics';
export { READINESS_TIMEOUT_MS, startOpsServer, type OpsServer, type OpsServerOptions, type ReadinessCheck } from './ops-server';
