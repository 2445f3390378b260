import type { FastifyReply } from 'fastify';

/** RFC 9457 problem details; `errors` names each invalid field. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; problem: string }>;
  /** On a 500: the id the error was logged with. */
  correlation_id?: string;
}

/** An error a route throws to answer with a problem document. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: Problem['errors'],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export function problem(status: number, slug: string, title: string, detail?: string, errors?: Problem['errors']): Problem {
  return {
    type: `/problems/${slug}`,
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    ...(errors === undefined ? {} : { errors }),
  };
}

export function sendProblem(reply: FastifyReply, p: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(p.status).headers(headers).type('application/problem+json').send(p);
}
