import { readFileSync } from 'node:fs';
import { PERMANENT, errorClass } from '@switch-telemetry/errors';

/** A device's credentials, resolved at session start from its reference. */
export interface Credentials {
  username?: string;
  password?: string;
  privateKey?: string;
}

/** The credentials reference cannot be resolved (a missing variable or file, a bad format). */
export class CredentialsError extends errorClass('COLLECTION_CREDENTIALS', PERMANENT) {}

function parse(text: string, ref: string): Credentials {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const o = JSON.parse(trimmed) as Record<string, unknown>;
      return {
        ...(typeof o.username === 'string' ? { username: o.username } : {}),
        ...(typeof o.password === 'string' ? { password: o.password } : {}),
        ...(typeof o.private_key === 'string' ? { privateKey: o.private_key } : {}),
      };
    } catch {
      throw new CredentialsError(`${ref} holds JSON that does not parse`);
    }
  }
  const colon = trimmed.indexOf(':');
  if (colon <= 0) throw new CredentialsError(`${ref} must hold "username:password" or JSON {"username","password","private_key"}`);
  return { username: trimmed.slice(0, colon), password: trimmed.slice(colon + 1) };
}

/**
 * Resolves a device's `credentials_ref` (the database holds references, never
 * secrets): `env:NAME` reads an environment variable, `file:/path` a file
 * (a mounted Kubernetes Secret). Either holds `username:password` or JSON.
 */
export function resolveCredentials(ref: string | null | undefined, env: NodeJS.ProcessEnv = process.env): Credentials {
  if (!ref) return {};
  if (ref.startsWith('env:')) {
    const value = env[ref.slice(4)];
    if (value === undefined) throw new CredentialsError(`credentials ${ref}: the variable is not set`);
    return parse(value, ref);
  }
  if (ref.startsWith('file:')) {
    try {
      return parse(readFileSync(ref.slice(5), 'utf8'), ref);
    } catch (err) {
      if (err instanceof CredentialsError) throw err;
      throw new CredentialsError(`credentials ${ref}: the file cannot be read`, { cause: err });
    }
  }
  throw new CredentialsError(`credentials reference "${ref.slice(0, 40)}" must start with env: or file:`);
}
