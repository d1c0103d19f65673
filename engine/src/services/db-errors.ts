import { Conflict, Invalid, Malformed, type DomainError } from './errors.ts';
import { said } from '@flightdeck/workflows';

/**
 * PostgreSQL's refusals, as domain errors naming the field. drizzle wraps the driver's error in a
 * DrizzleQueryError (`.cause`), whose message also carries the SQL parameters: never show or log it.
 */
export interface PgError {
  code: string;
  message: string;
  constraint?: string;
  column?: string;
  table?: string;
  detail?: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The driver's error inside whatever wrapped it, or undefined when the error is not from PostgreSQL. */
export function pgErrorOf(err: unknown): PgError | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const c = e as Partial<PgError> & { severity?: unknown };
    if (typeof c.code === 'string' && SQLSTATE.test(c.code) && typeof c.severity === 'string') return c as PgError;
  }
  return undefined;
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Column names from the detail's "Key (a, b)=(…)": the names only, never the values after them. */
function keyColumns(detail: string | undefined): string[] {
  const m = /^Key \(([^)]+)\)=/.exec(detail ?? '');
  return m ? m[1]!.split(',').map((c) => camel(c.trim().replace(/^"|"$/g, ''))) : [];
}

/** A field name from the constraint when the detail has none: drizzle names them <table>_<column>_unique / _fk. */
function fromConstraint(e: PgError): string | undefined {
  if (!e.constraint) return undefined;
  let rest = e.constraint;
  if (e.table && rest.startsWith(`${e.table}_`)) rest = rest.slice(e.table.length + 1);
  rest = rest.replace(/_(unique|key|pkey|uq|check|fk)$/, '');
  return camel(rest.replace(/_id_.*$/, '_id'));
}

/** "invalid input syntax for type uuid: \"x\"" → "invalid input syntax for type uuid": the value may be anything. */
const withoutValue = (message: string) =>
  message
    .replace(/:\s*".*$/s, '')
    .replace(/\s+/g, ' ')
    .trim();

export function domainErrorFromDb(err: unknown): DomainError | undefined {
  const e = pgErrorOf(err);
  if (!e) return undefined;
  const fields = e.column ? [camel(e.column)] : keyColumns(e.detail);
  const field = fields.length ? fields.join(',') : (fromConstraint(e) ?? '');
  switch (e.code) {
    case '23505':
      return new Conflict(field ? said('already_taken', { field }) : 'already taken', [
        { path: field, message: 'Already taken', code: 'unique' },
      ]);
    case '23503':
      return /still referenced/.test(e.detail ?? '')
        ? new Conflict(said('still_referenced'), [{ path: field, message: 'Still in use', code: 'in_use' }])
        : new Invalid(field ? said('refers_to_nothing', { field }) : 'refers to something that does not exist', [
            { path: field, message: 'Does not exist', code: 'foreign_key' },
          ]);
    case '23502':
      return new Invalid(field ? said('required_value', { field }) : 'is required', [
        { path: field, message: 'Required', code: 'not_null' },
      ]);
    case '23514':
      return new Invalid(field ? said('not_allowed_value', { field }) : 'is not allowed', [
        { path: field, message: 'Not allowed', code: 'check' },
      ]);
  }
  // Data exceptions (class 22: bad text, overflow, dates out of range, untranslatable characters) and
  // limits (class 54: an index row or value too large): the input, not us.
  if (e.code.startsWith('22') || e.code.startsWith('54') || e.code.startsWith('23')) {
    const message = withoutValue(e.message);
    return new Malformed(said('unstorable_value', { error: message }), [{ path: field, message, code: `pg_${e.code}` }]);
  }
  return undefined;
}

/**
 * A database error as it may be logged or sent to Temporal: the SQLSTATE, the constraint and the
 * driver's message without values; no SQL parameters, no detail (it quotes the row's values).
 */
export function scrubDatabaseError(err: unknown): Error | undefined {
  const e = pgErrorOf(err);
  const isDrizzle = err instanceof Error && err.name === 'DrizzleQueryError';
  if (!e && !isDrizzle) return undefined;
  const query = isDrizzle ? String((err as { query?: unknown }).query ?? '') : '';
  const parts = [
    e ? `${e.code} ${withoutValue(e.message)}` : 'Database query failed',
    e?.constraint ? `constraint ${e.constraint}` : '',
    query ? `query: ${query.slice(0, 300)}` : '',
  ];
  const scrubbed = new Error(parts.filter(Boolean).join('; '));
  scrubbed.name = 'DatabaseError';
  if (e?.code) Object.assign(scrubbed, { code: e.code });
  return scrubbed;
}
