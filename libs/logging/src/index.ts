export { componentLogger, createLogger, type Logger, type LoggerOptions } from './logger';
export { REDACTED, redact, redactUrl } from './redact';
