import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TokenAuth, requireScope, scopeIncludes, type Caller } from '../src/auth';
import { ProblemError, problem, sendProblem } from '../src/problem';
import { Api } from '../src/routes';

const TOKENS = { read: 'r'.repeat(24), write: 'w'.repeat(24), admin: 'a'.repeat(24) };

let app: FastifyInstance;
let base: string;
const seen: Array<Caller | undefined> = [];
beforeAll(async () => {
  app = Fastify();
  app.setErrorHandler((error, _request, reply) =>
    error instanceof ProblemError
      ? sendProblem(reply, problem(error.status, error.slug, error.title, error.detail, error.errors), error.headers)
      : reply.code(500).send(),
  );
  const api = new Api();
  api.add({
    method: 'GET',
    url: '/open',
    summary: 'public',
    tag: 't',
    scope: 'public',
    responses: {},
    handler: async ({ caller }) => (seen.push(caller), { ok: true }),
  });
  api.add({
    method: 'GET',
    url: '/whoami',
    summary: 'read',
    tag: 't',
    scope: 'read',
    responses: {},
    handler: async ({ caller }) => caller,
  });
  api.add({
    method: 'POST',
    url: '/purge',
    summary: 'admin route',
    tag: 't',
    scope: 'admin',
    responses: {},
    handler: async () => ({ purged: true }),
  });
  api.add({
    method: 'PATCH',
    url: '/things',
    summary: 'write route; one field needs admin',
    tag: 't',
    scope: 'write',
    body: z.object({ label: z.string().optional(), owner: z.string().optional() }),
    responses: {},
    handler: async ({ body, caller }) => {
      if (body.owner !== undefined) requireScope(caller, 'admin', 'changing the owner');
      return { changed: Object.keys(body) };
    },
  });
  api.register(
    app,
    new TokenAuth([
      { name: 'viewer', token: TOKENS.read, scope: 'read' },
      { name: 'writer', token: TOKENS.write, scope: 'write' },
      { name: 'operator', token: TOKENS.admin, scope: 'admin' },
    ]),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(() => app.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ statusCode: number; headers: Headers; json(): Json }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Json;
  return { statusCode: res.status, headers: res.headers, json: () => json };
}

describe('scopes', () => {
  it('orders read < write < admin', () => {
    expect(scopeIncludes('admin', 'write')).toBe(true);
    expect(scopeIncludes('admin', 'read')).toBe(true);
    expect(scopeIncludes('write', 'read')).toBe(true);
    expect(scopeIncludes('write', 'admin')).toBe(false);
    expect(scopeIncludes('read', 'write')).toBe(false);
  });

  it("hands the handler the caller's name and scope, and no caller on a public route", async () => {
    expect((await call('GET', '/whoami', TOKENS.write)).json()).toEqual({ name: 'writer', scope: 'write' });
    expect((await call('GET', '/whoami', TOKENS.admin)).json()).toEqual({ name: 'operator', scope: 'admin' });
    await call('GET', '/open');
    expect(seen).toEqual([undefined]);
  });

  it('lets only an admin token through a route that requires admin, and says why', async () => {
    expect((await call('POST', '/purge', TOKENS.admin)).statusCode).toBe(200);
    const refused = await call('POST', '/purge', TOKENS.write);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('admin scope');
  });

  it('lets a handler demand admin for one kind of change with requireScope', async () => {
    expect((await call('PATCH', '/things', TOKENS.write, { label: 'x' })).statusCode).toBe(200);
    const refused = await call('PATCH', '/things', TOKENS.write, { owner: 'me' });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ type: '/problems/forbidden', detail: expect.stringMatching(/admin scope.*changing the owner/) });
    expect((await call('PATCH', '/things', TOKENS.admin, { owner: 'me' })).json()).toEqual({ changed: ['owner'] });
  });

  it('answers 401 from requireScope without a caller', () => {
    expect(() => requireScope(undefined, 'read', 'anything')).toThrow(expect.objectContaining({ status: 401 }));
  });
});
