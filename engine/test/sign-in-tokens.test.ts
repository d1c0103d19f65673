import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import express from 'express';
import { z } from 'zod';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { ApiClient, startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { authenticate } from '../src/api/authenticate.ts';
import { defineRoute } from '../src/api/route.ts';
import { problemHandler } from '../src/api/problem.ts';
import { verifyPassword } from '../src/auth/secrets.ts';
import { SIGN_IN_LIMITS, HOOK_LIMITS } from '../src/auth/throttle.ts';
import { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, requiredScope, TOKEN_SCOPES, type RouteScope } from '../src/auth/scopes.ts';

vi.hoisted(() => {
  process.env.FLIGHTDECK_BCRYPT_COST ??= '4';
});

const DAY = 86_400_000;

/** The server's clock: the test moves it; nothing here sleeps. */
const clock = (() => {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => void (offset += ms) };
})();

interface Answer {
  status: number;
  body: any;
  retryAfter: string | null;
  contentType: string;
}

/** A browser-like client: the session cookie plus the CSRF header on changes. */
class Session {
  constructor(
    readonly base: string,
    readonly cookie: string,
    readonly csrf: string,
  ) {}
  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(this.base + path, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return answer(res);
  }
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type') ?? '' };
}

describe('sign-in limits, token scopes and lifetimes', () => {
  let stack: TestStack;
  let dana: Awaited<ReturnType<TestStack['user']>>;
  let cora: Awaited<ReturnType<TestStack['user']>>;
  let probe: Server;
  let probeUrl = '';

  const login = async (email: string, password: string): Promise<Answer> =>
    answer(
      await fetch(`${stack.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      }),
    );

  async function session(email: string): Promise<Session> {
    const res = await fetch(`${stack.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: TEST_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return new Session(
      stack.url,
      res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
      csrfToken,
    );
  }

  /** Every counter forgets after an hour without failures. */
  const forgetAll = () => clock.advance(2 * SIGN_IN_LIMITS.pair.forgetAfterMs + SIGN_IN_LIMITS.pair.maxLockMs);

  beforeAll(async () => {
    stack = await startStack('sign-in-tokens', { worker: false, clock: clock.now });
    dana = await stack.user('Dana Designer', [{ role: 'designer', department: 'Alpha' }], { department: 'Alpha' });
    cora = await stack.user('Cora DeptAdmin', [{ role: 'department_admin', department: 'Alpha' }], { department: 'Alpha' });
    // A route that declares the ingest scope, behind the real authentication, as the metrics ingest endpoints will.
    const app = express();
    app.use(express.json());
    app.use(authenticate(stack.server.app.people));
    const router = express.Router();
    const probeSpec = { method: 'post', path: '/probe/ingest', tag: 'x', access: 'signed_in', scope: 'ingest', summary: 'probe' } as const;
    const accepted = { status: 202, description: 'ok', schema: z.object({ ok: z.boolean() }) } as const;
    defineRoute(router, [], { ...probeSpec, responses: [accepted] }, async () => ({ status: 202, body: { ok: true } }));
    app.use(router);
    app.use(problemHandler({ error: () => undefined }));
    probe = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    probeUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => probe?.close(r));
    await stack?.close();
  });

  it('an unknown address costs the same bcrypt work as a known one', async () => {
    const compare = vi.spyOn(bcrypt, 'compare');
    try {
      expect(await verifyPassword('anything', null)).toBe(false);
      const hash = compare.mock.calls.at(-1)?.[1] as string;
      // A real hash at the configured cost, not a malformed one that bcrypt rejects at once.
      expect(hash).toMatch(new RegExp(`^\\$2[aby]\\$${String(process.env.FLIGHTDECK_BCRYPT_COST).padStart(2, '0')}\\$[./A-Za-z0-9]{53}$`));
    } finally {
      compare.mockRestore();
    }
  });

  const unknownAddress = fc.stringMatching(/^[a-z0-9]{1,20}(\.[a-z0-9]{1,10})?@[a-z]{1,12}\.test$/);
  const wrongPassword = fc.string({ minLength: 1, maxLength: 200 }).filter((p) => p !== TEST_PASSWORD);

  it('hammering sign-in: lockout engages at N, Retry-After is right, the clock unlocks it, an unknown address looks the same', async () => {
    const N = SIGN_IN_LIMITS.pair.threshold;
    await fc.assert(
      fc.asyncProperty(
        unknownAddress,
        fc.array(wrongPassword, { minLength: N, maxLength: N }),
        fc.boolean(),
        async (unknown, passwords, shout) => {
          forgetAll();
          // The lockout is per address, however it is spelled.
          const known = shout ? dana.email.toUpperCase() : dana.email;
          for (const [i, pw] of passwords.entries()) {
            const [k, u] = [await login(known, pw), await login(unknown, pw)];
            expect(k.status, `failure ${i + 1}`).toBe(401);
            expect(u).toEqual(k);
          }
          const [k, u] = [await login(known, passwords[0]!), await login(unknown, passwords[0]!)];
          expect(k.status).toBe(429);
          expect(k.contentType).toContain('application/problem+json');
          expect(k.retryAfter).toBe(String(SIGN_IN_LIMITS.pair.baseLockMs / 1000));
          expect(u).toEqual(k);
          // While locked even the right password is refused: the lockout is not an oracle.
          expect((await login(dana.email, TEST_PASSWORD)).status).toBe(429);
          clock.advance(SIGN_IN_LIMITS.pair.baseLockMs - 1000);
          expect((await login(dana.email, TEST_PASSWORD)).retryAfter).toBe('1');
          clock.advance(1000);
          expect((await login(dana.email, TEST_PASSWORD)).status).toBe(200);
          // The right password cleared the address's failures; the unknown address stays counted.
          expect((await login(dana.email, passwords[0]!)).status).toBe(401);
          expect((await login(unknown, passwords[0]!)).status).toBe(401);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('each further lockout doubles, up to 15 minutes', async () => {
    forgetAll();
    const N = SIGN_IN_LIMITS.pair.threshold;
    const address = `nobody.${randomUUID().slice(0, 8)}@x.test`;
    for (let round = 0; round < 7; round++) {
      for (let i = 0; i < N; i++) expect((await login(address, 'wrong password')).status).toBe(401);
      const locked = await login(address, 'wrong password');
      const want = Math.min(SIGN_IN_LIMITS.pair.baseLockMs * 2 ** round, SIGN_IN_LIMITS.pair.maxLockMs);
      expect(locked.retryAfter, `round ${round}`).toBe(String(want / 1000));
      clock.advance(want);
    }
  });

  it('the hook endpoint limits bad signatures per address, with Retry-After', async () => {
    forgetAll();
    const hook = () =>
      fetch(`${stack.url}/api/hooks/${randomUUID()}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': 'x',
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': 'v1,bad',
        },
        body: '{}',
      }).then(answer);
    for (let i = 0; i < HOOK_LIMITS.badSignatures.threshold; i++) expect((await hook()).status).toBe(401);
    const limited = await hook();
    expect(limited.status).toBe(429);
    expect(limited.contentType).toContain('application/problem+json');
    expect(limited.retryAfter).toBe(String(HOOK_LIMITS.badSignatures.baseLockMs / 1000));
    clock.advance(HOOK_LIMITS.badSignatures.baseLockMs);
    expect((await hook()).status).toBe(401);
  });

  it('tokens: created from a session with scopes and a default expiry, listed without secrets, revoked, all audited', async () => {
    forgetAll();
    const s = await session(dana.email);
    const made = await s.call('POST', '/api/me/tokens', { name: 'reporting', scopes: ['read'] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ name: 'reporting', scopes: ['read'], lastUsedAt: null });
    expect(made.body.token).toMatch(/^fdk_/);
    const lifetime = new Date(made.body.expiresAt).getTime() - clock.now();
    expect(Math.abs(lifetime - DEFAULT_TOKEN_DAYS * DAY)).toBeLessThan(DAY);

    const bearer = new ApiClient(stack.url, made.body.token);
    expect((await bearer.get('/api/flows')).status).toBe(200);
    const write = await bearer.post('/api/flows', { name: 'not with a read token' });
    expect(write.status).toBe(403);
    expect(write.body.title).toBe('Token scope');

    const mine = await s.call('GET', '/api/me/tokens');
    expect(mine.status).toBe(200);
    const listed = mine.body.items.find((t: { id: string }) => t.id === made.body.id);
    expect(listed).toMatchObject({ name: 'reporting', scopes: ['read'], expiresAt: made.body.expiresAt });
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(mine.body)).not.toContain(made.body.token);
    expect(JSON.stringify(mine.body)).not.toMatch(/tokenHash|token_hash|"token"/);
    // Only Dana's own tokens.
    expect(mine.body.items.every((t: { userId: string }) => t.userId === dana.id)).toBe(true);

    // No bearer token of any scope manages tokens, not even with every scope.
    for (const token of [
      made.body.token,
      dana.api.token!,
      (await s.call('POST', '/api/me/tokens', { name: 'all', scopes: [...TOKEN_SCOPES] })).body.token,
    ]) {
      const t = new ApiClient(stack.url, token);
      for (const [method, path] of [
        ['POST', '/api/me/tokens'],
        ['GET', '/api/me/tokens'],
        ['DELETE', `/api/me/tokens/${made.body.id}`],
        ['GET', '/api/tokens'],
      ] as const) {
        const r = await t.call(method, path, method === 'POST' ? { name: 'minted by a token' } : undefined);
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(r.body.title).toBe('Session required');
      }
    }

    // Someone else's token is "not found" to Dana; an administrator may revoke it.
    const coraSession = await session(cora.email);
    const coraToken = await coraSession.call('POST', '/api/me/tokens', { name: 'cora' });
    expect((await s.call('DELETE', `/api/me/tokens/${coraToken.body.id}`)).status).toBe(404);
    // A department admin is not an administrator.
    expect((await coraSession.call('GET', '/api/tokens')).status).toBe(403);
    const admin = await session('admin@flightdeck.local');
    const all = await admin.call('GET', `/api/tokens?userId=${cora.id}`);
    expect(all.body.items.map((t: { id: string }) => t.id)).toContain(coraToken.body.id);
    expect((await admin.call('DELETE', `/api/tokens/${coraToken.body.id}`)).status).toBe(204);
    expect((await new ApiClient(stack.url, coraToken.body.token).get('/api/auth/me')).status).toBe(401);

    expect((await s.call('DELETE', `/api/me/tokens/${made.body.id}`)).status).toBe(204);
    expect((await s.call('DELETE', `/api/me/tokens/${made.body.id}`)).status).toBe(404);
    const gone = await bearer.get('/api/flows');
    expect(gone.status).toBe(401);
    expect((await s.call('GET', '/api/me/tokens')).body.items.map((t: { id: string }) => t.id)).not.toContain(made.body.id);

    const audit = (await stack.api.get('/api/audit?entityType=token&limit=500')).body.items as { action: string; entityId: string }[];
    for (const [action, id] of [
      ['token.created', made.body.id],
      ['token.revoked', made.body.id],
      ['token.created', coraToken.body.id],
      ['token.revoked', coraToken.body.id],
    ]) {
      expect(
        audit.some((e) => e.action === action && e.entityId === id),
        `${action} ${id}`,
      ).toBe(true);
    }
    expect(JSON.stringify(audit)).not.toContain(made.body.token);
  });

  it('a token lives at most MAX_TOKEN_DAYS, never in the past; hostile token bodies get a 400 naming the field', async () => {
    forgetAll();
    const s = await session(dana.email);
    const at = (days: number) => new Date(clock.now() + days * DAY).toISOString();
    expect((await s.call('POST', '/api/me/tokens', { name: 'long', expiresAt: at(MAX_TOKEN_DAYS - 1) })).status).toBe(201);
    for (const expiresAt of [at(MAX_TOKEN_DAYS + 1), at(-1), at(0)]) {
      const r = await s.call('POST', '/api/me/tokens', { name: 'bad', expiresAt });
      expect(r.status, expiresAt).toBe(400);
      expect(r.body.errors[0].path).toBe('expiresAt');
    }
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            name: fc.anything(),
            scopes: fc.oneof(fc.anything(), fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 })),
            expiresAt: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const r = await s.call('POST', '/api/me/tokens', body);
          expect(r.status, JSON.stringify(body)).toBeLessThan(500);
          if (r.status !== 201) {
            expect(r.status).toBe(400);
            expect(r.contentType).toContain('application/problem+json');
            expect(r.body.errors.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("scopes × methods × routes: a token does only what its scopes allow, on top of its owner's roles", async () => {
    forgetAll();
    const s = await session(dana.email);
    const ROUTES: { method: string; url: () => string; body?: () => unknown; declared?: RouteScope }[] = [
      { method: 'GET', url: () => `${stack.url}/api/flows` },
      { method: 'GET', url: () => `${stack.url}/api/auth/me` },
      { method: 'POST', url: () => `${stack.url}/api/flows`, body: () => ({ name: `scoped ${randomUUID().slice(0, 6)}` }) },
      { method: 'PUT', url: () => `${stack.url}/api/me/preferences`, body: () => ({ locale: 'en' }) },
      { method: 'POST', url: () => `${stack.url}/api/notifications/read`, body: () => ({ all: true }) },
      { method: 'GET', url: () => `${stack.url}/api/me/tokens`, declared: 'session' },
      { method: 'POST', url: () => `${stack.url}/api/me/tokens`, body: () => ({ name: 'x' }), declared: 'session' },
      { method: 'POST', url: () => `${probeUrl}/probe/ingest`, body: () => ({}), declared: 'ingest' },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.subarray([...TOKEN_SCOPES], { minLength: 1 }),
        fc.shuffledSubarray(ROUTES, { minLength: 1 }),
        async (scopes, routes) => {
          const made = await s.call('POST', '/api/me/tokens', { name: 'prop', scopes });
          expect(made.status).toBe(201);
          for (const route of routes) {
            const body = route.body?.();
            const res = await fetch(route.url(), {
              method: route.method,
              headers: {
                authorization: `Bearer ${made.body.token}`,
                ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
              },
              body: body !== undefined ? JSON.stringify(body) : undefined,
            }).then(answer);
            const required = requiredScope(route.method, route.declared);
            const allowed = required !== 'session' && scopes.includes(required as never);
            if (allowed) expect(res.status, `${route.method} ${route.url()} with ${scopes}`).toBeLessThan(300);
            else {
              expect(res.status, `${route.method} ${route.url()} with ${scopes}`).toBe(403);
              expect(res.body.title).toBe(required === 'session' ? 'Session required' : 'Token scope');
            }
          }
        },
      ),
      { numRuns: 15 },
    );
    // Scopes never widen roles: a write token of a viewer still cannot create a flow.
    const vic = await stack.user('Vic Viewer', [{ role: 'viewer', department: 'Alpha' }], { department: 'Alpha' });
    const viewerWrite = await new ApiClient(stack.url, vic.api.token).post('/api/flows', { name: 'nope' });
    expect(viewerWrite.status).toBe(403);
    expect(viewerWrite.body.title).toBe('Forbidden');
  });

  it('tokens expire: the default lifetime ends, and the token stops working', async () => {
    forgetAll();
    const s = await session(dana.email);
    const made = await s.call('POST', '/api/me/tokens', { name: 'short', expiresAt: new Date(clock.now() + DAY).toISOString() });
    const t = new ApiClient(stack.url, made.body.token);
    const defaulted = new ApiClient(stack.url, (await s.call('POST', '/api/me/tokens', { name: 'default' })).body.token);
    expect((await t.get('/api/auth/me')).status).toBe(200);
    clock.advance(DAY);
    expect((await t.get('/api/auth/me')).status).toBe(401);
    expect((await defaulted.get('/api/auth/me')).status).toBe(200);
    clock.advance(DEFAULT_TOKEN_DAYS * DAY);
    expect((await defaulted.get('/api/auth/me')).status).toBe(401);
  });
});
