import { problemWords, type Said } from '@flightdeck/workflows';

/**
 * What a service refuses, in its own words: the edge (engine/src/api/problem.ts) turns each into
 * an application/problem+json response. Services never know about HTTP; they say which field is wrong.
 */
export interface FieldIssue {
  /** Dotted path to the field ("departmentId", "secrets.url"). */
  path: string;
  message: string;
  code?: string;
}

/** A refusal says what it is in English, or names its words in the table (said(…)) so the edge words it for the caller. */
export abstract class DomainError extends Error {
  abstract readonly kind: 'not_found' | 'forbidden' | 'conflict' | 'invalid' | 'malformed' | 'unavailable';
  readonly said?: Said;
  constructor(
    message: string | Said,
    readonly issues: FieldIssue[] = [],
  ) {
    super(typeof message === 'string' ? message : problemWords(message.key, message.params).message);
    if (typeof message === 'object') this.said = message;
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  readonly kind = 'not_found';
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
}

/** The request clashes with what is there now (a taken name, a state that does not allow it). */
export class Conflict extends DomainError {
  readonly kind = 'conflict';
}

/** Well-formed, but not acceptable: a value that does not fit, or refers to something that is not there. */
export class Invalid extends DomainError {
  readonly kind = 'invalid';
}

/** A value that cannot be taken at all (bad text, out of range): the request itself is wrong. */
export class Malformed extends DomainError {
  readonly kind = 'malformed';
}

/** Something this server needs is missing or busy (a browser to print with): nothing the request did wrong. */
export class Unavailable extends DomainError {
  readonly kind = 'unavailable';
}

/** One-field shorthand: `invalid('departmentId', 'No such department')`. */
const issue = (path: string, message: string, code?: string): FieldIssue => ({ path, message, ...(code ? { code } : {}) });
export const invalid = (path: string, message: string, code?: string) => new Invalid(message, [issue(path, message, code)]);
export const conflict = (path: string, message: string, code?: string) => new Conflict(message, [issue(path, message, code)]);
