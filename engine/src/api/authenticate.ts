import type { Request, RequestHandler } from 'express';
import { parse as parseCookie } from 'cookie';
import type { PeopleService } from '../services/people.ts';

export const SESSION_COOKIE = 'fd_session';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Works out who is calling: a session cookie (the editor) or a bearer API token (scripts).
 * It never refuses; routes decide what they need, so public pages and health checks stay open.
 */
export function authenticate(people: PeopleService): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const actor = await people.fromApiToken(header.slice(7).trim());
      if (actor) res.locals.actor = actor;
      else res.locals.badToken = true;
      return next();
    }
    const token = parseCookie(req.headers.cookie ?? '')[SESSION_COOKIE];
    if (token) {
      const session = await people.fromSession(token);
      if (session) {
        res.locals.actor = session.actor;
        res.locals.csrfToken = session.csrfToken;
        res.locals.sessionToken = token;
      }
    }
    next();
  };
}

/** The address limits count against: the socket's peer, or what Express's `trust proxy` setting derives from it. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
