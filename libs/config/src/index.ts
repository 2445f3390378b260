export {
  FILE_NAME,
  FileRefusedError,
  readBoundedFile,
  readBoundedFileSync,
  readNamedFile,
  readNamedFileSync,
  type BoundedFileOptions,
} from './bounded-file';
export { ConfigErrorCodes, EXIT_CONFIG, EXIT_UNAVAILABLE } from './codes';
export { ConfigError, type ConfigProblem } from './config-error';
export { loadConfig, type Env, type LoadConfigOptions } from './load-config';
export { LOG_LEVELS, MAX_TIMER_MS, durationMs, flag, integer, jsonOf, logLevel, oneOf, port, secret, url } from './schema';
export { z } from 'zod';
