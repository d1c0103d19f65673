import type { ErrorRequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { ValidationIssue } from '@flightdeck/workflows';
import type { fieldErrorSchema } from './contracts/common.ts';
import { DomainError } from '../services/errors.ts';
import { domainErrorFromDb } from '../services/db-errors.ts';

/** One problem with a field, as the contract defines it. */
export type FieldError = z.output<typeof fieldErrorSchema>;

/** RFC 9457 problem details; every error the API returns is one of these. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string, id: string) => new HttpProblem(404, 'Not found', `${what} ${id} does not exist`);

export function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

export function zodFieldErrors(error: z.ZodError, prefix: string[] = []): FieldError[] {
  return error.issues.map((i) => ({ path: joinPath([...prefix, ...i.path]), message: i.message, code: i.code }));
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

export function sendProblem(res: Response, p: HttpProblem): void {
  const slug = p.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  res
    .status(p.status)
    .type('application/problem+json')
    .json({
      type: `https://flightdeck.dev/problems/${slug}`,
      title: p.title,
      status: p.status,
      ...(p.detail ? { detail: p.detail } : {}),
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
  return new HttpProblem(status, title, domain.message, domain.issues.length ? domain.issues : undefined);
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
    if (bp.type === 'entity.too.large')
      return sendProblem(res, new HttpProblem(413, 'Payload too large', 'The request body is larger than 1 MB'));
    if (bp.type === 'entity.parse.failed')
      return sendProblem(
        res,
        new HttpProblem(400, 'Malformed JSON', `The request body is not valid JSON: ${bp.message ?? ''}`.trim(), [
          { path: '', message: 'Not valid JSON' },
        ]),
      );
    if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported')
      return sendProblem(res, new HttpProblem(415, 'Unsupported encoding', bp.message));
    if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500)
      return sendProblem(res, new HttpProblem(bp.status, 'Bad request', bp.message));
    log.error({ err }, 'unhandled error');
    sendProblem(res, new HttpProblem(500, 'Internal error', 'Something went wrong on our side; it has been logged'));
  };
}
