import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiToken } from './config';
import { ProblemError } from './problem';

/** What a token may do: `admin` implies `write`, which implies `read`. */
export type Scope = ApiToken['scope'];

/** Who made a request: the token's name (never the token) and its scope. */
export interface Caller {
  name: string;
  scope: Scope;
}

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

/** True when `held` includes `needed` (admin ⊇ write ⊇ read). */
export function scopeIncludes(held: Scope, needed: Scope): boolean {
  return RANK[held] >= RANK[needed];
}

/** Throws a 403 problem saying which scope is needed and why, unless the caller has it (401 without a caller). */
export function requireScope(caller: Caller | undefined, needed: Scope, why: string): void {
  if (!caller) throw unauthenticated('send Authorization: Bearer <token>');
  if (!scopeIncludes(caller.scope, needed)) {
    throw new ProblemError(
      403,
      'forbidden',
      'Forbidden',
      `this needs a token with the ${needed} scope (this one has ${caller.scope}): ${why}`,
    );
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const unauthenticated = (detail: string) =>
  new ProblemError(401, 'unauthenticated', 'Authentication required', detail, undefined, { 'www-authenticate': 'Bearer' });

// RFC 9110 §11.1: the scheme name is case-insensitive, and one or more
// spaces separate it from the credentials (token68 characters).
const BEARER = /^bearer +([\x21-\x7e]{1,512})$/i;

/**
 * Bearer tokens: compared as SHA-256 digests in constant time (equal
 * lengths, every token tried), never logged.
 */
export class TokenAuth {
  private readonly tokens: Array<{ digest: Buffer; name: string; scope: Scope }>;

  constructor(tokens: readonly ApiToken[]) {
    this.tokens = tokens.map((t) => ({ digest: digest(t.token), name: t.name, scope: t.scope }));
  }

  /** The caller, or a 401/403 problem when the token is missing, unknown or lacks `needed`. */
  check(request: FastifyRequest, needed: Scope): Caller {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) throw unauthenticated('send Authorization: Bearer <token>');
    const given = digest(match[1]!);
    let found: Caller | undefined;
    for (const token of this.tokens) {
      if (timingSafeEqual(token.digest, given)) found = { name: token.name, scope: token.scope };
    }
    if (!found) throw unauthenticated('unknown token');
    requireScope(found, needed, `${request.method} ${request.routeOptions.url ?? 'this route'}`);
    return found;
  }
}
