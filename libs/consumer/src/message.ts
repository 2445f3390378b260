import { InvalidTelemetryMessageError } from './errors';
import { telemetryMessageSchema, type JsonValue, type TelemetryMessage } from './schema';

/**
 * How a message body is checked:
 * - `validate`: the whole zod schema (every field, every value); the default.
 * - `trust`: JSON.parse and a check of the envelope's shape (`v`, `device`,
 *   `subscription`, `ts`, `prefix`, `updates`, `deletes` and each update's
 *   `path`), not of the values; for trusted streams where the cost of full
 *   validation matters.
 */
export type DecodeMode = 'validate' | 'trust';

function textOf(data: Uint8Array | string): string {
  return typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

function shapeProblem(m: Record<string, unknown>): string | undefined {
  if (m.v !== 1) return 'v';
  if (typeof m.device !== 'string') return 'device';
  if (typeof m.subscription !== 'string') return 'subscription';
  if (typeof m.ts !== 'number' && typeof m.ts !== 'string') return 'ts';
  if (typeof m.prefix !== 'string') return 'prefix';
  if (!Array.isArray(m.deletes)) return 'deletes';
  if (!Array.isArray(m.updates)) return 'updates';
  for (let i = 0; i < m.updates.length; i += 1) {
    const u: unknown = m.updates[i];
    if (typeof u !== 'object' || u === null || typeof (u as { path?: unknown }).path !== 'string') return `updates.${i}.path`;
  }
  return undefined;
}

/** One telemetry message from a NATS message body. Throws InvalidTelemetryMessageError. */
export function decodeTelemetryMessage(data: Uint8Array | string, mode: DecodeMode = 'validate'): TelemetryMessage {
  let body: unknown;
  try {
    body = JSON.parse(textOf(data));
  } catch (cause) {
    throw new InvalidTelemetryMessageError('the body is not JSON', ['(root)'], { cause });
  }
  if (mode === 'trust') {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidTelemetryMessageError('the body is not a JSON object', ['(root)']);
    }
    const problem = shapeProblem(body as Record<string, unknown>);
    if (problem) throw new InvalidTelemetryMessageError(`not a telemetry message v1: bad ${problem}`, [problem]);
    return body as TelemetryMessage;
  }
  const parsed = telemetryMessageSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidTelemetryMessageError(`not a telemetry message v1: ${issues.slice(0, 3).join('; ')}`, issues);
  }
  return parsed.data;
}

/** The absolute path of an update: the message's prefix joined with the update's path. */
export function fullPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return `${prefix.endsWith('/') ? prefix.slice(0, -1) : prefix}/${path.startsWith('/') ? path.slice(1) : path}`;
}

const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * A value as a JavaScript number: numbers as they are, decimal strings (how
 * 64-bit integers beyond 2^53 and exact decimals travel) converted, with the
 * precision a double has; anything else undefined.
 */
export function numericValue(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.length <= 40 && DECIMAL.test(value)) return Number(value);
  return undefined;
}

/** The device's timestamp (nanoseconds since the epoch) as a bigint, exact. */
export function timestampNanos(message: Pick<TelemetryMessage, 'ts'>): bigint {
  return BigInt(message.ts);
}

/** The device's timestamp as a Date (millisecond precision). */
export function timestampDate(message: Pick<TelemetryMessage, 'ts'>): Date {
  return new Date(Number(timestampNanos(message) / 1_000_000n));
}

/**
 * A key that is the same for every delivery of one message: delivery is at
 * least once, so a consumer that must not count a message twice keeps the
 * keys it has seen (or makes its writes idempotent on them).
 */
export function dedupeKey(message: Pick<TelemetryMessage, 'device' | 'subscription' | 'ts'>): string {
  return `${message.device}/${message.subscription}/${message.ts}`;
}
