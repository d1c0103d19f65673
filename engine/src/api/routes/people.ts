import { Router } from 'express';
import type { JsonValue } from '@flightdeck/workflows';
import { desc, eq, inArray, or, sql } from 'drizzle-orm';
import { defineRoute, type RouteRegistry } from '../route.ts';
import { HttpProblem } from '../problem.ts';
import {
  apiTokenSchema,
  auditEntrySchema,
  auditQuery,
  createdTokenSchema,
  departmentBody,
  departmentSchema,
  grantBody,
  grantSchema,
  list,
  loginBody,
  preferencesBody,
  problemSchema,
  sessionSchema,
  tokenBody,
  tokenListQuery,
  userBody,
  userSchema,
  uuidParam,
} from '../contracts/index.ts';
import { clientIp, SESSION_COOKIE } from '../authenticate.ts';
import { isAdmin, scopeOf } from '../../auth/access.ts';
import { SESSION_DAYS, type PeopleService } from '../../services/people.ts';
import { RateLimited } from '../../auth/throttle.ts';
import type { Database } from '../../db/client.ts';
import { auditLog } from '../../db/schema.ts';
import { secureCookies } from '../security-headers.ts';

const tag = 'People';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function peopleRoutes(registry: RouteRegistry, people: PeopleService, db: Database): Router {
  const r = Router();

  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/auth/login',
      tag,
      access: 'public',
      summary: 'Sign in; sets the session cookie and returns the CSRF token',
      body: loginBody,
      responses: [
        { status: 200, description: 'Signed in', schema: sessionSchema },
        problem(401, 'Wrong e-mail or password'),
        problem(429, 'Too many failed sign-ins (see Retry-After)'),
      ],
    },
    async ({ body, req, res }) => {
      let session;
      try {
        session = await people.signIn(body.email, body.password, clientIp(req));
      } catch (err) {
        if (err instanceof RateLimited) res.setHeader('retry-after', String(err.retryAfterSeconds));
        throw err;
      }
      res.cookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies(res.req),
        maxAge: SESSION_DAYS * 86_400_000,
        path: '/',
      });
      return { status: 200, body: { user: await people.getUser(session.actor.id), csrfToken: session.csrfToken } };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/auth/logout',
      tag,
      access: 'signed_in',
      summary: 'Sign out',
      responses: [{ status: 204, description: 'Signed out' }],
    },
    async ({ res }) => {
      if (res.locals.sessionToken) await people.signOut(res.locals.sessionToken);
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      return { status: 204 };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/auth/me',
      tag,
      access: 'signed_in',
      summary: 'Who I am, my grants, and the CSRF token for this session',
      responses: [{ status: 200, description: 'Me', schema: sessionSchema }, problem(401, 'Not signed in')],
    },
    async ({ actor, res }) => ({
      status: 200,
      body: { user: await people.getUser(actor.id), csrfToken: res.locals.csrfToken ?? null },
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'put',
      path: '/api/me/preferences',
      tag,
      access: 'signed_in',
      summary: 'My language, kept with my account',
      body: preferencesBody,
      responses: [{ status: 200, description: 'Saved', schema: userSchema }],
    },
    async ({ actor, body }) => ({
      status: 200,
      body: await people.setLocale(actor, body.locale),
    }),
  );
  // Tokens are managed from a signed-in session only: a token (stolen or not) cannot mint, list or revoke tokens.
  const tokenAdmin = { permission: 'people:manage', in: async () => null } as const;
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/me/tokens',
      tag,
      access: 'signed_in',
      scope: 'session',
      summary: 'Create an API token for scripts (shown once)',
      body: tokenBody,
      responses: [{ status: 201, description: 'The token', schema: createdTokenSchema }, problem(403, 'Only from a session')],
    },
    async ({ actor, body }) => ({
      status: 201,
      body: await people.createApiToken(actor, body.name, {
        ...(body.scopes ? { scopes: body.scopes } : {}),
        ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
      }),
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/me/tokens',
      tag,
      access: 'signed_in',
      scope: 'session',
      summary: 'My API tokens (never their secrets)',
      responses: [{ status: 200, description: 'Tokens', schema: list(apiTokenSchema) }],
    },
    async ({ actor }) => ({
      status: 200,
      body: { items: await people.listTokens(actor.id) },
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'delete',
      path: '/api/me/tokens/:id',
      tag,
      access: 'signed_in',
      scope: 'session',
      summary: 'Revoke one of my API tokens',
      params: uuidParam,
      responses: [{ status: 204, description: 'Revoked' }, problem(404, 'No such token of mine')],
    },
    async ({ actor, params }) => {
      await people.revokeToken(actor, params.id, actor.id);
      return { status: 204 };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/tokens',
      tag,
      access: tokenAdmin,
      scope: 'session',
      summary: "Every API token, or one user's (administrators)",
      query: tokenListQuery,
      responses: [{ status: 200, description: 'Tokens', schema: list(apiTokenSchema) }],
    },
    async ({ query }) => ({ status: 200, body: { items: await people.listTokens(query.userId ?? null) } }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'delete',
      path: '/api/tokens/:id',
      tag,
      access: tokenAdmin,
      scope: 'session',
      summary: "Revoke anyone's API token (administrators)",
      params: uuidParam,
      responses: [{ status: 204, description: 'Revoked' }, problem(404, 'No such token')],
    },
    async ({ actor, params }) => {
      await people.revokeToken(actor, params.id, null);
      return { status: 204 };
    },
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/users',
      tag,
      access: { permission: 'people:read', in: 'any' },
      summary: 'List users with their grants',
      responses: [{ status: 200, description: 'Users', schema: list(userSchema) }],
    },
    async ({ actor }) => {
      const scope = scopeOf(actor, 'people:read');
      const all = await people.listUsers();
      return { status: 200, body: { items: scope === 'all' ? all : all.filter((u) => u.departmentId && scope.includes(u.departmentId)) } };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/users',
      tag,
      access: { permission: 'people:manage', in: async (q) => q.body.departmentId ?? null },
      summary: 'Create a user',
      body: userBody,
      responses: [{ status: 201, description: 'Created', schema: userSchema }, problem(409, 'E-mail taken')],
    },
    async ({ actor, body }) => ({ status: 201, body: await people.createUser(actor, body) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/users/:id/grants',
      tag,
      // The department is the caller's choice, so a refusal there is a plain 403.
      access: { permission: 'people:manage', in: async (q) => q.body.departmentId, hidesOutsiders: false },
      summary: 'Grant a role, everywhere or in one department, optionally until a time',
      params: uuidParam,
      body: grantBody,
      responses: [{ status: 201, description: 'Granted', schema: grantSchema }, problem(403, 'Not allowed')],
    },
    async ({ actor, params, body }) => {
      // Only an administrator hands out administration, or anything that reaches every department.
      if ((body.role === 'admin' || body.departmentId === null) && !isAdmin(actor))
        throw new HttpProblem(403, 'Forbidden', 'Only an administrator grants roles in every department or the admin role');
      return {
        status: 201,
        body: await people.grant(actor, {
          userId: params.id,
          role: body.role,
          departmentId: body.departmentId,
          expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        }),
      };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'delete',
      path: '/api/grants/:id',
      tag,
      access: { permission: 'people:manage', in: async (q) => (await people.grantRow(q.params.id)).departmentId },
      summary: 'Revoke a grant (never the last live administrator grant)',
      params: uuidParam,
      responses: [{ status: 204, description: 'Revoked' }, problem(409, 'The last administrator grant')],
    },
    async ({ actor, params }) => {
      await people.revoke(actor, params.id);
      return { status: 204 };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/departments',
      tag,
      access: 'signed_in',
      summary: 'List departments',
      responses: [{ status: 200, description: 'Departments', schema: list(departmentSchema) }],
    },
    async () => ({
      status: 200,
      body: { items: await people.listDepartments() },
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/departments',
      tag,
      access: { permission: 'people:manage', in: async () => null },
      summary: 'Create a department or set its head',
      body: departmentBody,
      responses: [{ status: 201, description: 'Saved', schema: departmentSchema }],
    },
    async ({ actor, body }) => ({
      status: 201,
      body: await people.ensureDepartment(actor, body.name, body.headUserId),
    }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/audit',
      tag: 'Audit',
      access: { permission: 'audit:read', in: 'any' },
      summary: 'The audit log, newest first',
      query: auditQuery,
      responses: [{ status: 200, description: 'Entries', schema: list(auditEntrySchema) }],
    },
    async ({ actor, query }) => {
      const scope = scopeOf(actor, 'audit:read');
      const byType = query.entityType ? eq(auditLog.entityType, query.entityType) : sql`true`;
      const byId = query.entityId ? eq(auditLog.entityId, query.entityId) : sql`true`;
      const visible =
        scope === 'all'
          ? sql`true`
          : scope.length
            ? or(inArray(auditLog.departmentId, scope), eq(auditLog.actorId, actor.id))
            : eq(auditLog.actorId, actor.id);
      const rows = await db
        .select()
        .from(auditLog)
        .where(sql`${byType} and ${byId} and ${visible}`)
        .orderBy(desc(auditLog.id))
        .limit(query.limit);
      return {
        status: 200,
        body: { items: rows.map((e) => ({ ...e, at: e.at.toISOString(), before: e.before as JsonValue, after: e.after as JsonValue })) },
      };
    },
  );
  return r;
}
