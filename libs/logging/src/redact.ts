/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

// Keys whose values are secrets wherever they appear, at any depth.
// Matched against the key with case, '-' and '_' folded away.
const SECRET_KEY = /(password|passwd|passphrase|secret|token|authorization|apikey|privatekey|cookie|credential)/;

const MAX_DEPTH = 8;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[-_]/g, ''));
}

/** `scheme://user:pass@host` → `scheme://user:[redacted]@host`; other strings unchanged. */
export function redactUrl(value: string): string {
  return value.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]*@/gi, `$1:${REDACTED}@`);
}

/**
 * A copy of `value` with secret-named keys replaced and passwords inside URLs
 * masked, at any depth up to MAX_DEPTH. Cycles are cut. Errors keep their
 * name, message, code and stack (with URLs masked too).
 */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  if (value instanceof Error) {
    out.type = value.name;
    out.message = redactUrl(value.message);
    if (value.stack !== undefined) out.stack = redactUrl(value.stack);
    if (value.cause !== undefined) out.cause = redact(value.cause, depth + 1, seen);
  }
  for (const [key, child] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? REDACTED : redact(child, depth + 1, seen);
  }
  return out;
}
