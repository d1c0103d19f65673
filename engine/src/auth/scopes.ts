/**
 * What an API token may do, on top of its owner's roles. A session (the editor) is not limited by
 * scopes; a token is, and some routes (minting and listing tokens) take no token at all.
 */
export const TOKEN_SCOPES = ['read', 'write', 'ingest'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** What a route asks of a token: a scope, or 'session' for routes a token may never call. */
export type RouteScope = TokenScope | 'session';

export const DEFAULT_TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write'];
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 365;

/** GET and HEAD read, every other method writes, unless the route says otherwise (ingest endpoints say 'ingest'). */
export function requiredScope(method: string, declared?: RouteScope): RouteScope {
  if (declared) return declared;
  return ['GET', 'HEAD'].includes(method.toUpperCase()) ? 'read' : 'write';
}

/** Scopes do not imply each other: a write-only token cannot read, an ingest token can only ingest. */
export function tokenMay(scopes: readonly string[], required: RouteScope): boolean {
  return required !== 'session' && scopes.includes(required);
}
