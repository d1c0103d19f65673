import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { findJsonProblems } from '@flightdeck/workflows';
import { HttpProblem, joinPath, zodFieldErrors } from './problem.ts';

type Method = 'get' | 'post' | 'put' | 'delete';

export interface RouteResponse {
  status: number;
  description: string;
  schema?: z.ZodType;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express path syntax, `/api/flows/:id`. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  responses: RouteResponse[];
}

export interface ParsedRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Every route the app mounts, for the OpenAPI document. */
export type RouteRegistry = RouteSpec<z.ZodType, z.ZodType, z.ZodType>[];

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string, status = 400): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new HttpProblem(status, 'Invalid request', `The request ${where} has ${r.error.issues.length} problem(s)`, zodFieldErrors(r.error, where === 'body' ? [] : [where]));
  }
  return r.data;
}

/** Mounts a handler whose params, query and body are zod-validated, and records the route for OpenAPI. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  router: Router,
  registry: RouteRegistry,
  spec: RouteSpec<P, Q, B>,
  handler: (r: ParsedRequest<z.output<P>, z.output<Q>, z.output<B>>) => Promise<HandlerResult>,
): void {
  registry.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>);
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    if (spec.body && req.method !== 'GET' && !req.is('application/json') && req.body === undefined) {
      throw new HttpProblem(415, 'Unsupported media type', 'Send the body as application/json');
    }
    // Before zod: copying an object with an own "__proto__" key would quietly turn it into a prototype.
    const hostile = findJsonProblems(req.body ?? {});
    if (hostile.length) {
      throw new HttpProblem(400, 'Invalid request', 'The body contains keys that are not allowed', hostile.map((p) => ({ path: joinPath(p.path), message: p.message, code: 'forbidden_key' })));
    }
    const params = parse(spec.params, req.params, 'params');
    const query = parse(spec.query, req.query, 'query');
    const body = parse(spec.body, req.body ?? {}, 'body');
    const result = await handler({ params, query, body, req, res });
    for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
    if (result.body === undefined) res.status(result.status).end();
    else res.status(result.status).json(result.body);
  });
}
