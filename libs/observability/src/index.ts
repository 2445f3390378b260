export { createMetricsRegistry, type Registry } from './metrics';
export {
  READINESS_TIMEOUT_MS,
  createOpsEndpoints,
  serveOps,
  startOpsServer,
  type OpsAnswer,
  type OpsEndpoints,
  type OpsServer,
  type OpsServerOptions,
  type ReadinessCheck,
} from './ops-server';
