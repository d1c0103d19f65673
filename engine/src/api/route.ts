import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { bothLanguages, findJsonProblems, problemWords, said } from '@flightdeck/workflows';
import { HttpProblem, joinPath, zodFieldErrors } from './problem.ts';
import { can, scopeOf, seesDepartment, type Actor, type Permission } from '../auth/access.ts';
import { requiredScope, tokenMay, type RouteScope } from '../auth/scopes.ts';
import { safeEqual } from '../auth/secrets.ts';
import { CSRF_HEADER } from './authenticate.ts';
import { findUnstorableStrings } from './unstorable.ts';
import type { problemSchema } from './contracts/common.ts';
import { responseDrift } from './response-check.ts';
import { DomainError } from '../services/errors.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteResponse {
  status: number;
  description: string;
  /** Required for every success that has a body; the handler's answer must fit it. */
  schema?: z.ZodType;
  /** The body's media type when it is not JSON (a CSV export): the handler's answer is then text, sent as it is. */
  mediaType?: string;
}

/**
 * Who may call a route. `in` names the department the request touches (looked up from the
 * resource, or taken from the body); 'any' means the permission in some department, for lists
 * that the handler then filters.
 */
export type RouteAccess<P = unknown, Q = unknown, B = unknown> =
  | 'public'
  | 'signed_in'
  | {
      permission: Permission;
      in: 'any' | ((r: ParsedRequest<P, Q, B>) => Promise<string | null>);
      /**
       * The department comes from the resource the path names (any route with a path parameter), so
       * outsiders get 404, not 403. false: the department is the caller's choice (in the body), where
       * a refusal is a plain 403.
       */
      hidesOutsiders?: boolean;
    };

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  access: RouteAccess<z.output<P>, z.output<Q>, z.output<B>>;
  method: Method;
  /** Express path syntax, `/api/flows/:id`. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  /** The status for a query that does not fit `query`: 400 by default; 422 where a value is well-formed but not one of the choices. */
  queryStatus?: 400 | 422;
  body?: B;
  responses: readonly RouteResponse[];
  /** Longer than the summary: rules a client must know (the OpenAPI operation's description). */
  description?: string;
  /**
   * A body the handler reads itself, by media type (JSON or CSV, say): documented in OpenAPI, not
   * parsed here. With it, leave `body` out.
   */
  documentedBody?: Record<string, z.ZodType>;
  /** What an API token needs: by default 'read' for GET/HEAD and 'write' otherwise; 'session' refuses every token. */
  scope?: RouteScope;
}

export interface ParsedRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  /** The caller; null only on public routes. */
  actor: Actor;
}

type Headers = Record<string, string>;
/**
 * What a handler may answer: one of its route's declared statuses, with a body that status's schema
 * accepts (none where it has no schema). Problems are thrown, so their statuses are not answers here.
 */
type Answer<R> = R extends { status: infer S extends number }
  ? number extends S
    ? never
    : R extends { schema: infer Z extends z.ZodType }
      ? Z extends typeof problemSchema
        ? never
        : { status: S; body: z.input<Z>; headers?: Headers }
      : { status: S; body?: undefined; headers?: Headers }
  : never;
export type HandlerResult<R extends readonly RouteResponse[]> = Answer<R[number]>;

/** An app setting: when on (the tests), every answer is checked against its declared schema, and drift is a 500 naming it. */
export const CHECK_RESPONSES = 'flightdeck check responses';

/** Every route the app mounts, for the OpenAPI document. */
export type RouteRegistry = RouteSpec<z.ZodType, z.ZodType, z.ZodType>[];

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string, status = 400): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const r = schema.safeParse(value, { error: bothLanguages });
  if (!r.success) {
    throw new HttpProblem(
      status,
      'Invalid request',
      said('request_problems', { where, count: r.error.issues.length }),
      zodFieldErrors(r.error, where === 'body' ? [] : [where]),
    );
  }
  return r.data;
}

function forbidden(permission: Permission): HttpProblem {
  return new HttpProblem(403, 'Forbidden', said('need_permission', { permission }));
}

/**
 * The one answer for "no such thing" and "a thing in a department you cannot see", so ids do not tell which exist;
 * `field` (the route's path parameter, "params.id") names what the caller got wrong, the same in both cases.
 */
export function hidden(field?: string): HttpProblem {
  const issues = field ? [{ path: field, ...problemWords('hidden'), code: 'not_found' }] : undefined;
  return new HttpProblem(404, 'Not found', said('hidden'), issues);
}

/** The path parameter a hidden 404 names: the route's first (its thing's id or slug). */
const hiddenField = (path: string) => {
  const param = /:(\w+)/.exec(path)?.[1];
  return param ? `params.${param}` : undefined;
};

function scopeRefused(required: RouteScope): HttpProblem {
  return required === 'session'
    ? new HttpProblem(403, 'Session required', said('need_session'))
    : new HttpProblem(403, 'Token scope', said('need_scope', { scope: required }));
}

/** The department a route touches; a lookup that finds nothing answers exactly like one the caller may not see. */
async function departmentOf<R>(find: (r: R) => Promise<string | null>, parsed: R, field?: string): Promise<string | null> {
  try {
    return await find(parsed);
  } catch (err) {
    if ((err instanceof HttpProblem && err.status === 404) || (err instanceof DomainError && err.kind === 'not_found')) throw hidden(field);
    throw err;
  }
}

/** A success with a body and no schema would be a hole in the contract (and in the editor's types): refused when mounting. */
function requireSchemas(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>): void {
  for (const r of spec.responses) {
    const bodiless = r.status === 204 || r.status < 200 || r.status >= 300;
    if (!bodiless && !r.schema) throw new Error(`${spec.method.toUpperCase()} ${spec.path}: its ${r.status} answer needs a schema`);
  }
}

function checkAnswer(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>, result: { status: number; body?: unknown }): void {
  const declared = spec.responses.find((r) => r.status === result.status);
  const where = `${spec.method.toUpperCase()} ${spec.path} answered ${result.status}`;
  if (!declared) throw new HttpProblem(500, 'Undeclared response', `${where}, which the route does not declare`);
  // A binary body (a PDF) is not JSON: its schema checks the bytes as they are.
  const binary = Buffer.isBuffer(result.body);
  const drift = declared.schema
    ? binary
      ? declared.schema.safeParse(result.body).success
        ? []
        : ['binary bytes, where the route declares another body']
      : responseDrift(declared.schema, result.body)
    : result.body === undefined
      ? []
      : ['a body, where the route declares none'];
  if (drift.length) throw new HttpProblem(500, 'Response does not match its contract', `${where}: ${drift.slice(0, 10).join('; ')}`);
}

/**
 * Mounts a handler whose params, query and body are zod-validated and whose answer fits its
 * declared responses; records the route for OpenAPI. A is the handler's answer, inferred as
 * written (const keeps a 200 a 200, where plain inference would widen it) and then held to R.
 */
export function defineRoute<
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  const R extends readonly RouteResponse[],
  const A extends HandlerResult<R>,
>(
  router: Router,
  registry: RouteRegistry,
  spec: RouteSpec<P, Q, B> & { responses: R },
  handler: (r: ParsedRequest<z.output<P>, z.output<Q>, z.output<B>>) => Promise<A>,
): void {
  requireSchemas(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>);
  registry.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>);
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    if (spec.body && req.method !== 'GET' && !req.is('application/json') && req.body === undefined) {
      throw new HttpProblem(415, 'Unsupported media type', said('send_json'));
    }
    // Before zod: copying an object with an own "__proto__" key would quietly turn it into a prototype.
    const hostile = findJsonProblems(req.body ?? {});
    if (hostile.length) {
      throw new HttpProblem(
        400,
        'Invalid request',
        said('forbidden_keys'),
        hostile.map((p) => ({ path: joinPath(p.path), message: p.message, code: 'forbidden_key' })),
      );
    }
    const actor = res.locals.actor as Actor | undefined;
    if (spec.access !== 'public') {
      if (!actor) throw new HttpProblem(401, 'Sign in required', res.locals.badToken ? said('bad_token') : said('need_sign_in'));
      // A cookie travels with any request the browser makes; the CSRF header proves the page is ours.
      if (actor.via === 'session' && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
        const sent = req.get(CSRF_HEADER) ?? '';
        if (!safeEqual(sent, String(res.locals.csrfToken ?? '')))
          throw new HttpProblem(403, 'CSRF check failed', said('csrf_failed', { header: CSRF_HEADER }));
      }
      // A token does what its scopes allow on top of its owner's roles; any other bearer is a token too.
      const required = requiredScope(req.method, spec.scope);
      if (actor.via === 'token' && !tokenMay(actor.token?.scopes ?? [], required)) throw scopeRefused(required);
    }
    const unstorable = [
      ...findUnstorableStrings(req.params, ['params']),
      ...findUnstorableStrings(req.query, ['query']),
      ...findUnstorableStrings(req.body ?? {}),
    ];
    if (unstorable.length) throw new HttpProblem(400, 'Invalid request', said('unstorable_text'), unstorable);
    const params = parse(spec.params, req.params, 'params');
    const query = parse(spec.query, req.query, 'query', spec.queryStatus);
    const body = parse(spec.body, req.body ?? {}, 'body');
    const parsed = { params, query, body, req, res, actor: actor! };
    if (typeof spec.access === 'object') {
      const { permission } = spec.access;
      const anywhere = scopeOf(actor!, permission);
      // Refuse before looking anything up, so a 403 never depends on (or hints at) what exists.
      if (anywhere !== 'all' && anywhere.length === 0) throw forbidden(permission);
      if (spec.access.in !== 'any') {
        const field = hiddenField(spec.path);
        const department = await departmentOf(spec.access.in, parsed, field);
        // 403 only for those who may know the thing exists; everyone else gets the same 404 as for a made-up id.
        const hides = spec.access.hidesOutsiders ?? spec.path.includes(':');
        if (!can(actor!, permission, department))
          throw hides && !seesDepartment(actor!, department) ? hidden(field) : forbidden(permission);
      }
    }
    const result: { status: number; body?: unknown; headers?: Headers } = await handler(parsed);
    // A streaming handler (server-sent events) has answered by itself.
    if (res.headersSent) return;
    if (req.app.get(CHECK_RESPONSES)) checkAnswer(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>, result);
    for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
    const mediaType = spec.responses.find((r) => r.status === result.status)?.mediaType;
    if (result.body === undefined) res.status(result.status).end();
    else if (mediaType)
      res
        .status(result.status)
        .type(mediaType)
        .send(Buffer.isBuffer(result.body) ? result.body : String(result.body));
    else res.status(result.status).json(result.body);
  });
}
