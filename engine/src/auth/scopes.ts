import type { TokenScope } from '../api/contracts/people.ts';

// The scopes are part of the API's contract (the editor offers them); the rules about them live here.
export { DEFAULT_TOKEN_DAYS, DEFAULT_TOKEN_SCOPES, MAX_TOKEN_DAYS, TOKEN_SCOPES, type TokenScope } from '../api/contracts/people.ts';

/** What a route asks of a token: a scope, or 'session' for routes a token may never call. */
export type RouteScope = TokenScope | 'session';

/** GET and HEAD read, every other method writes, unless the route says otherwise (ingest endpoints say 'ingest'). */
export function requiredScope(method: string, declared?: RouteScope): RouteScope {
  if (declared) return declared;
  return ['GET', 'HEAD'].includes(method.toUpperCase()) ? 'read' : 'write';
}

/** Scopes do not imply each other: a write-only token cannot read, an ingest token can only ingest. */
export function tokenMay(scopes: readonly string[], required: RouteScope): boolean {
  return required !== 'session' && scopes.includes(required);
}
