import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiToken } from './config';
import { ProblemError } from './problem';

export type Scope = 'read' | 'write';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Bearer tokens: compared as SHA-256 digests in constant time (equal
 * lengths, every token tried), never logged. `write` implies `read`.
 */
export class TokenAuth {
  private readonly tokens: Array<{ digest: Buffer; name: string; scope: Scope }>;

  constructor(tokens: readonly ApiToken[]) {
    this.tokens = tokens.map((t) => ({ digest: digest(t.token), name: t.name, scope: t.scope }));
  }

  /** The caller's token name, or a 401/403 problem. */
  check(request: FastifyRequest, needed: Scope): string {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
    if (!match) {
      throw new ProblemError(401, 'unauthenticated', 'Authentication required', 'send Authorization: Bearer <token>', undefined, {
        'www-authenticate': 'Bearer',
      });
    }
    const given = digest(match[1]!);
    let found: { name: string; scope: Scope } | undefined;
    for (const token of this.tokens) {
      if (timingSafeEqual(token.digest, given)) found = token;
    }
    if (!found) throw new ProblemError(401, 'unauthenticated', 'Authentication required', 'unknown token', undefined, { 'www-authenticate': 'Bearer' });
    if (needed === 'write' && found.scope !== 'write') throw new ProblemError(403, 'forbidden', 'Forbidden', 'this token is read-only');
    return found.name;
  }
}
