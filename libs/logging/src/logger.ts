import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACTED, redact } from './redact';

// pino resets the bindings formatter for child loggers, so `redact` cannot
// see child bindings; pino's own path redaction covers those keys there.
const CHILD_BINDING_SECRETS = [
  'password',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'apiToken',
  'authorization',
  'Authorization',
  'cookie',
  'privateKey',
  'credentials',
];
const CHILD_BINDING_PATHS = CHILD_BINDING_SECRETS.flatMap((key) => [key, `*.${key}`]);

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** The app or tool name, bound to every line as `app`. */
  app: string;
  level?: string;
  /** Where lines go; stdout by default (tests pass a stream). */
  destination?: DestinationStream;
}

/**
 * A pino logger writing JSON lines. Every object logged, and every child
 * binding, passes through `redact`, so secrets never reach the output whatever
 * key path they sit under (child bindings: the common secret keys, two levels deep).
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: options.app, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      redact: { paths: CHILD_BINDING_PATHS, censor: REDACTED },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redact(bindings) as Record<string, unknown>,
        log: (object) => redact(object) as Record<string, unknown>,
      },
      // Keep pino's err serializer out: redact() already renders errors
      // with their cause chain, and masks URLs inside the message.
      serializers: { err: (err: unknown) => err },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A child logger for one component (`component` field on every line). */
export function componentLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings });
}
