import type { ErrorRequestHandler, Response } from 'express';
import type { z } from 'zod';
import {
  isProblemKey,
  problemIn,
  problemWords,
  said,
  zodWords,
  type ProblemKey,
  type Said,
  type ValidationIssue,
} from '@flightdeck/workflows';
import type { fieldErrorSchema } from './contracts/common.ts';
import { DomainError } from '../services/errors.ts';
import { domainErrorFromDb } from '../services/db-errors.ts';
import { callerLocale } from './caller-locale.ts';

/** One problem with a field, as the contract defines it. */
export type FieldError = z.output<typeof fieldErrorSchema>;

/**
 * RFC 9457 problem details; every error the API returns is one of these. The title is the English one (its slug is the
 * problem's `type`); a detail named by its key (said(…)) is worded in the caller's language when it is sent, a plain
 * string detail is sent as it is.
 */
export class HttpProblem extends Error {
  readonly detail?: string;
  readonly said?: Said;
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string | Said,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    const english = typeof detail === 'object' ? problemWords(detail.key, detail.params).message : detail;
    super(english ?? title);
    this.detail = english;
    if (typeof detail === 'object') this.said = detail;
  }
}

/** The things a 404 names, each with its words in the table. */
export type Missing = 'Flow' | 'Run' | 'Connection' | 'Campaign' | 'Approval' | 'User' | 'Token' | 'Grant' | 'Template';
export const notFound = (what: Missing, id: string) =>
  new HttpProblem(404, 'Not found', { key: `not_found_${what.toLowerCase()}` as ProblemKey, params: { id } });

export function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** A zod error's issues, each with its Chinese words where they are known (zod's locale, or the table). */
export function zodFieldErrors(error: z.ZodError, prefix: string[] = []): FieldError[] {
  return error.issues.map((i) => ({ path: joinPath([...prefix, ...i.path]), ...zodWords(i), code: i.code }));
}

export function issuesToFieldErrors(issues: ValidationIssue[], prefix: string[] = []): FieldError[] {
  return issues.map((i) => ({
    path: joinPath([...prefix, ...i.path]),
    message: i.message,
    ...(i.zh ? { zh: i.zh } : {}),
    ...(i.params ? { params: i.params } : {}),
    code: i.code,
    ...(i.nodeId ? { nodeId: i.nodeId } : {}),
    ...(i.edgeId ? { edgeId: i.edgeId } : {}),
  }));
}

const slugOf = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** The table's key for an English title (`http_<slug>`), so every title has one code and both languages. */
export function titleKey(title: string): ProblemKey | undefined {
  const key = `http_${slugOf(title).replace(/^-|-$/g, '').replace(/-/g, '_')}`;
  return isProblemKey(key) ? key : undefined;
}

/**
 * Sends the problem worded for the caller (callerLocale): its title and a keyed detail in their language, with
 * `code` (the detail's key, else the title's) and the detail's `params` for clients that word it themselves.
 */
export function sendProblem(res: Response, p: HttpProblem): void {
  const slug = slugOf(p.title);
  const locale = callerLocale(res);
  const title = titleKey(p.title);
  const detail = p.said ? problemIn(p.said.key, p.said.params, locale) : p.detail;
  const code = p.said?.key ?? title;
  res
    .status(p.status)
    .type('application/problem+json')
    .set('Content-Language', locale)
    .vary('Accept-Language')
    .json({
      type: `https://flightdeck.dev/problems/${slug}`,
      title: title ? problemIn(title, {}, locale) : p.title,
      status: p.status,
      ...(detail ? { detail } : {}),
      ...(code ? { code } : {}),
      ...(p.said && Object.keys(p.said.params).length ? { params: p.said.params } : {}),
      ...(p.errors ? { errors: p.errors } : {}),
      ...(p.extra ?? {}),
    });
}

const DOMAIN_STATUS: Record<DomainError['kind'], [number, string]> = {
  not_found: [404, 'Not found'],
  forbidden: [403, 'Forbidden'],
  conflict: [409, 'Conflict'],
  invalid: [422, 'Invalid request'],
  malformed: [400, 'Invalid request'],
  unavailable: [503, 'Service unavailable'],
};

/** A service's refusal, or PostgreSQL's, as the problem the client gets; undefined for our own faults. */
export function problemFromError(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  const domain = err instanceof DomainError ? err : domainErrorFromDb(err);
  if (!domain) return undefined;
  const [status, title] = DOMAIN_STATUS[domain.kind];
  return new HttpProblem(status, title, domain.said ?? domain.message, domain.issues.length ? domain.issues : undefined);
}

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/** The last middleware: user mistakes become 4xx problems; only our own faults are 500s, and they say nothing internal. */
export function problemHandler(log: { error(obj: unknown, msg?: string): void }): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const known = problemFromError(err);
    if (known) return sendProblem(res, known);
    const bp = err as BodyParserError;
    const error = bp.message ?? '';
    if (bp.type === 'entity.too.large')
      return sendProblem(res, new HttpProblem(413, 'Payload too large', said('body_too_large', { limit: '1 MB' })));
    if (bp.type === 'entity.parse.failed')
      return sendProblem(
        res,
        new HttpProblem(400, 'Malformed JSON', said('not_json', { error }), [{ path: '', message: 'Not valid JSON' }]),
      );
    if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported')
      return sendProblem(res, new HttpProblem(415, 'Unsupported encoding', said('encoding_unsupported', { error })));
    if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500)
      return sendProblem(res, new HttpProblem(bp.status, 'Bad request', said('bad_request', { error })));
    log.error({ err }, 'unhandled error');
    sendProblem(res, new HttpProblem(500, 'Internal error', said('internal')));
  };
}
