export { serviceConfigShape, type ServiceConfig } from './config';
export { EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, EXIT_UNAVAILABLE } from './exit-codes';
export {
  runService,
  type AppHandle,
  type HttpHandle,
  type RunOptions,
  type RunningService,
  type ServiceContext,
  type ServiceSpec,
} from './run-service';
