import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Caller, Scope, TokenAuth } from './auth';
import { MAX_JSON_DEPTH, assertCleanStrings, jsonNestsDeeperThan, tooDeep } from './input';
import { ProblemError } from './problem';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Who called (absent on public routes); see `requireScope` for changes that need more than the route's scope. */
  caller?: Caller;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** fastify form: `/v1/devices/:id` */
  url: string;
  summary: string;
  tag: string;
  scope: Scope | 'public';
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (input: RouteInput<P, Q, B>) => Promise<unknown>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fieldErrors(error: z.ZodError, prefix: string): Array<{ field: string; problem: string }> {
  return error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || prefix, problem: i.message }));
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fieldErrors(result.error, where === 'body' ? '' : where);
    throw new ProblemError(400, 'validation', 'Invalid request', errors.map((e) => `${e.field}: ${e.problem}`).join('; '), errors);
  }
  return result.data;
}

/**
 * Decodes a JSON body the content parser kept as bytes; a clear 400 when it
 * is not UTF-8 JSON or nests deeper than MAX_JSON_DEPTH.
 */
export function jsonBody(raw: unknown): unknown {
  if (raw === undefined || raw === null) return undefined;
  if (!Buffer.isBuffer(raw)) return raw;
  if (jsonNestsDeeperThan(raw, MAX_JSON_DEPTH)) throw tooDeep();
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new ProblemError(400, 'bad-encoding', 'Body is not UTF-8', 'JSON bodies must be UTF-8 (RFC 8259)');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProblemError(400, 'bad-json', 'Body is not JSON', (err as Error).message.slice(0, 200));
  }
}

/**
 * The REST API defined once: each route's zod schemas validate its input
 * (400 naming each field) and produce its part of the OpenAPI document.
 */
export class Api {
  private readonly routes: RouteSpec[] = [];

  add<P, Q, B>(spec: RouteSpec<P, Q, B>): void {
    this.routes.push(spec as RouteSpec);
  }

  register(app: FastifyInstance, auth: TokenAuth): void {
    for (const spec of this.routes) {
      app.route({
        method: spec.method,
        url: spec.url,
        handler: async (request, reply) => {
          const caller = spec.scope === 'public' ? undefined : auth.check(request, spec.scope);
          // Strings are checked before the schemas see them, so no message
          // quotes a control character and nothing unstorable reaches the database.
          assertCleanStrings(request.params, 'params');
          assertCleanStrings(request.query, 'query');
          const raw = spec.body ? jsonBody(request.body) : undefined;
          assertCleanStrings(raw, 'body');
          const params = parse(spec.params, request.params, 'params');
          const query = parse(spec.query, request.query, 'query');
          const body = spec.body ? parse(spec.body, raw, 'body') : undefined;
          const result = await spec.handler({ params, query, body, caller, request, reply });
          if (reply.sent) return reply;
          return result;
        },
      });
    }
  }

  /** OpenAPI 3.1, generated from the same schemas that validate requests. */
  openapi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const schemaOf = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
    for (const spec of this.routes) {
      const path = spec.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, schema] of [
        ['path', spec.params],
        ['query', spec.query],
      ] as const) {
        if (!schema) continue;
        const json = schemaOf(schema) as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, property] of Object.entries(json.properties ?? {})) {
          parameters.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property });
        }
      }
      const responses: Record<string, unknown> = {};
      for (const [status, r] of Object.entries(spec.responses)) {
        responses[status] = r.schema
          ? { description: r.description, content: { 'application/json': { schema: schemaOf(r.schema) } } }
          : { description: r.description };
      }
      responses.default = {
        description: 'An error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
      (paths[path] ??= {})[spec.method.toLowerCase()] = {
        summary: spec.summary,
        tags: [spec.tag],
        ...(spec.scope === 'public' ? { security: [] } : { 'x-required-scope': spec.scope }),
        ...(parameters.length ? { parameters } : {}),
        ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(spec.body) } } } } : {}),
        responses,
      };
    }
    return {
      openapi: '3.1.0',
      info,
      security: [{ bearer: [] }],
      paths,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: {
          Problem: {
            type: 'object',
            required: ['type', 'title', 'status'],
            properties: {
              type: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'integer' },
              detail: { type: 'string' },
              errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, problem: { type: 'string' } } } },
            },
          },
        },
      },
    };
  }
}
