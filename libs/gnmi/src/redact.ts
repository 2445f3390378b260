/** The placeholder a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Longest foreign text (a grpc-js or target message) copied into one of our errors. */
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

/** True when no message along the error's cause chain names a secret (or runs past the length bound). */
function chainIsClean(error: unknown, secrets: ReadonlyArray<string | Buffer | undefined>): boolean {
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 10; depth += 1) {
    const message = e instanceof Error ? e.message : String(e);
    if (redact(message, secrets) !== message) return false;
    e = e instanceof Error ? e.cause : undefined;
  }
  return e === undefined || e === null;
}

/**
 * An error fit to be a cause: itself when no message along its cause chain
 * names a secret, otherwise a plain copy with the secrets redacted (the
 * chain, which we cannot vouch for, is dropped).
 */
export function redactedCause(error: unknown, secrets: ReadonlyArray<string | Buffer | undefined>): Error {
  if (error instanceof Error && chainIsClean(error, secrets)) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(redact(err.message, secrets));
  copy.name = err.name;
  for (const key of ['code', 'level'] as const) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (typeof value === 'string' || typeof value === 'number') (copy as unknown as Record<string, unknown>)[key] = value;
  }
  return copy;
}
