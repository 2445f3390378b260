import { z } from 'zod';

// setTimeout clamps anything above 2^31-1 ms to 1 ms, so a larger "timeout"
// would fire at once; it is also how an "infinite" value would sneak in.
export const MAX_TIMER_MS = 2_147_483_647;

const wholeNumber = (what: string) =>
  z.coerce.number({ error: `must be ${what}` }).refine((n) => Number.isFinite(n) && Number.isInteger(n), { message: `must be ${what}` });

/** A timeout or interval in milliseconds: a whole number from 1 to 2^31-1. 0, negative or infinite is an error. */
export function durationMs(defaultMs: number) {
  return wholeNumber('a whole number of milliseconds from 1 to 2147483647')
    .refine((n) => n >= 1 && n <= MAX_TIMER_MS, {
      message: 'must be a whole number of milliseconds from 1 to 2147483647 (0, negative and infinite are not allowed)',
    })
    .default(defaultMs);
}

/** A whole number within [min, max]. */
export function integer(defaultValue: number, min: number, max: number) {
  return wholeNumber(`a whole number from ${min} to ${max}`)
    .refine((n) => n >= min && n <= max, { message: `must be a whole number from ${min} to ${max}` })
    .default(defaultValue);
}

/** A TCP port; 0 asks the kernel for a free one (tests). */
export function port(defaultPort: number) {
  return integer(defaultPort, 0, 65_535);
}

/** A URL whose scheme is one of `protocols` (without the colon). */
export function url(defaultUrl: string, protocols: readonly string[]) {
  const allowed = protocols.join(', ');
  return z
    .string()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `must be a URL with scheme ${allowed}` },
    )
    .default(defaultUrl);
}

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(defaultValue as never);
}

/** A secret string (a password, a token). Usually given as `<NAME>_FILE`. */
export function secret() {
  return z.string().min(1, { message: 'must not be empty' });
}

/** true/false, 1/0, yes/no. */
export function flag(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(defaultValue as never);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** LOG_LEVEL, pino's level names. */
export function logLevel(defaultLevel: (typeof LOG_LEVELS)[number] = 'info') {
  return oneOf(LOG_LEVELS, defaultLevel);
}

/** A JSON document (usually given as `<NAME>_FILE`) validated by `schema`. */
export function jsonOf<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
