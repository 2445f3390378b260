/** The placeholder a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Longest foreign text (an ssh2 or device message) copied into one of our errors. */
const MAX_FOREIGN_TEXT = 300;

/** `text` with every occurrence of each secret replaced, cut to a bounded length. */
export function redact(text: string, secrets: ReadonlyArray<string | Buffer | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    const value = Buffer.isBuffer(secret) ? secret.toString('utf8') : secret;
    if (value) out = out.split(value).join(REDACTED);
  }
  return out.length > MAX_FOREIGN_TEXT ? `${out.slice(0, MAX_FOREIGN_TEXT)}...` : out;
}

/**
 * An error fit to be a cause: itself when its message names no secret,
 * otherwise a plain copy with the secrets redacted (the original is dropped
 * with its own cause chain, which we cannot vouch for).
 */
export function redactedCause(error: unknown, secrets: ReadonlyArray<string | Buffer | undefined>): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  const message = redact(err.message, secrets);
  if (message === err.message && (err.cause === undefined || err.cause === null)) return err;
  const copy = new Error(message);
  copy.name = err.name;
  for (const key of ['code', 'level'] as const) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string' || typeof value === 'number') (copy as unknown as Record<string, unknown>)[key] = value;
  }
  return copy;
}
