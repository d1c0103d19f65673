import { and, desc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { apiTokens, departments, roleGrants, sessions, users, type UserRow } from '../db/schema.ts';
import type { Actor, Grant } from '../auth/access.ts';
import { hashPassword, randomToken, sha256, verifyPassword } from '../auth/secrets.ts';
import { HttpProblem, notFound } from '../api/problem.ts';
import { audit } from './audit.ts';
import { conflict, invalid } from './errors.ts';
import type { Role } from '@flightdeck/workflows';
import { SignInGuard, systemClock, type Clock } from '../auth/throttle.ts';
import { DEFAULT_TOKEN_DAYS, DEFAULT_TOKEN_SCOPES, MAX_TOKEN_DAYS, type TokenScope } from '../auth/scopes.ts';
import { said } from '@flightdeck/workflows';

type TokenRow = typeof apiTokens.$inferSelect;

/** A token as its owner (or an admin) sees it: never the secret, nor its hash. */
export function presentToken(t: TokenRow) {
  return {
    id: t.id,
    userId: t.userId,
    name: t.name,
    scopes: t.scopes as TokenScope[],
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null,
  };
}

export const SESSION_DAYS = 7;
/** How exactly a token remembers its last use. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function presentUser(u: UserRow, grants: Grant[] = []) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    locale: u.locale,
    // Personal data is masked in every listing; only the sending activities read the number.
    phone: u.phone ? `${u.phone.slice(0, 4)}****${u.phone.slice(-4)}` : null,
    departmentId: u.departmentId,
    active: u.active,
    grants: grants.map((g) => ({ role: g.role, departmentId: g.departmentId, expiresAt: g.expiresAt?.toISOString() ?? null })),
  };
}

export class PeopleService {
  private readonly guard: SignInGuard;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {
    this.guard = new SignInGuard(clock);
  }

  async grantsOf(userId: string): Promise<Grant[]> {
    const rows = await this.db
      .select()
      .from(roleGrants)
      .where(and(eq(roleGrants.userId, userId), or(isNull(roleGrants.expiresAt), gt(roleGrants.expiresAt, new Date()))));
    return rows.map((r) => ({ role: r.role, departmentId: r.departmentId, expiresAt: r.expiresAt }));
  }

  async actorFor(user: UserRow, via: Actor['via']): Promise<Actor> {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      departmentId: user.departmentId,
      locale: user.locale,
      grants: await this.grantsOf(user.id),
      via,
    };
  }

  /**
   * `ip` is the client's address, for the per-IP limits. A known and an unknown address take the
   * same path: the same bcrypt work, the same counters, the same answer.
   */
  async signIn(email: string, password: string, ip: string): Promise<{ token: string; csrfToken: string; actor: Actor }> {
    const address = email.trim().toLowerCase();
    this.guard.check(address, ip);
    const user = await this.userByEmail(address);
    const ok = await verifyPassword(password, user?.passwordHash ?? null);
    if (!user || !ok || !user.active) {
      this.guard.failed(address, ip);
      throw new HttpProblem(401, 'Sign-in failed', said('sign_in_wrong'));
    }
    this.guard.succeeded(address, ip);
    const token = randomToken();
    const csrfToken = randomToken(18);
    await this.db
      .insert(sessions)
      .values({ id: sha256(token), userId: user.id, csrfToken, expiresAt: new Date(this.clock() + SESSION_DAYS * 86_400_000) });
    const actor = await this.actorFor(user, 'session');
    await audit(this.db, actor, { action: 'session.created', entityType: 'session', entityId: user.id });
    return { token, csrfToken, actor };
  }

  async fromSession(token: string): Promise<{ actor: Actor; csrfToken: string } | undefined> {
    const [row] = await this.db
      .select({ user: users, csrf: sessions.csrfToken })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, sha256(token)), gt(sessions.expiresAt, new Date(this.clock())), eq(users.active, true)));
    if (!row) return undefined;
    return { actor: await this.actorFor(row.user, 'session'), csrfToken: row.csrf };
  }

  async signOut(token: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.id, sha256(token)));
  }

  async fromApiToken(token: string): Promise<Actor | undefined> {
    const now = new Date(this.clock());
    const [row] = await this.db
      .select({ user: users, id: apiTokens.id, scopes: apiTokens.scopes, lastUsedAt: apiTokens.lastUsedAt })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(
        and(
          eq(apiTokens.tokenHash, sha256(token)),
          isNull(apiTokens.revokedAt),
          or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
          eq(users.active, true),
        ),
      );
    if (!row) return undefined;
    // A minute is precise enough for the tokens page; an ingest client writing the row with every batch cost a statement each.
    const usedRecently = row.lastUsedAt !== null && now.getTime() - row.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS;
    if (!usedRecently) await this.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
    return { ...(await this.actorFor(row.user, 'token')), token: { id: row.id, scopes: row.scopes as TokenScope[] } };
  }

  /** Shown once; only its hash is kept. Without `expiresAt` it lasts DEFAULT_TOKEN_DAYS (the route caps it). */
  async createApiToken(actor: Actor, name: string, opts: { scopes?: readonly TokenScope[]; expiresAt?: Date } = {}) {
    const token = `fdk_${randomToken()}`;
    const scopes = [...new Set(opts.scopes ?? DEFAULT_TOKEN_SCOPES)];
    const now = this.clock();
    const expiresAt = opts.expiresAt ?? new Date(now + DEFAULT_TOKEN_DAYS * 86_400_000);
    if (expiresAt.getTime() <= now || expiresAt.getTime() > now + MAX_TOKEN_DAYS * 86_400_000) {
      throw new HttpProblem(400, 'Invalid request', `A token expires in the future, at most ${MAX_TOKEN_DAYS} days from now`, [
        { path: 'expiresAt', message: `Between now and ${MAX_TOKEN_DAYS} days from now`, code: 'out_of_range' },
      ]);
    }
    const [row] = await this.db
      .insert(apiTokens)
      .values({ userId: actor.id, name, tokenHash: sha256(token), scopes, expiresAt })
      .returning();
    await audit(this.db, actor, {
      action: 'token.created',
      entityType: 'token',
      entityId: row!.id,
      after: { userId: actor.id, name, scopes, expiresAt: expiresAt.toISOString() },
    });
    return { ...presentToken(row!), token };
  }

  /** Live and expired tokens, not revoked ones; `userId` null: everyone's (for administrators). */
  async listTokens(userId: string | null) {
    const rows = await this.db
      .select()
      .from(apiTokens)
      .where(and(isNull(apiTokens.revokedAt), userId ? eq(apiTokens.userId, userId) : sql`true`))
      .orderBy(desc(apiTokens.createdAt))
      .limit(1000);
    return rows.map(presentToken);
  }

  /** `ownerId` null: any user's token (an administrator); otherwise someone else's token is "not found". */
  async revokeToken(actor: Actor, tokenId: string, ownerId: string | null): Promise<void> {
    const [row] = await this.db
      .update(apiTokens)
      .set({ revokedAt: new Date(this.clock()) })
      .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt), ownerId ? eq(apiTokens.userId, ownerId) : sql`true`))
      .returning();
    if (!row) throw notFound('Token', tokenId);
    await audit(this.db, actor, {
      action: 'token.revoked',
      entityType: 'token',
      entityId: tokenId,
      before: { userId: row.userId, name: row.name, scopes: row.scopes },
    });
  }

  async userRow(id: string): Promise<UserRow | undefined> {
    return this.db.query.users.findFirst({ where: eq(users.id, id) });
  }

  async getUser(id: string) {
    const user = await this.db.query.users.findFirst({ where: eq(users.id, id) });
    if (!user) throw notFound('User', id);
    return presentUser(user, await this.grantsOf(id));
  }

  async listUsers() {
    const rows = await this.db.select().from(users).orderBy(users.name);
    // One query for every live grant, not one per user.
    const grants = await this.db
      .select()
      .from(roleGrants)
      .where(or(isNull(roleGrants.expiresAt), gt(roleGrants.expiresAt, new Date())));
    return rows.map((u) =>
      presentUser(
        u,
        grants.filter((g) => g.userId === u.id).map((g) => ({ role: g.role, departmentId: g.departmentId, expiresAt: g.expiresAt })),
      ),
    );
  }

  async userByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.query.users.findFirst({ where: eq(users.email, email.trim().toLowerCase()) });
  }

  async createUser(
    actor: Actor | null,
    input: { email: string; name: string; password: string; departmentId?: string | null; locale?: 'en' | 'zh-CN'; phone?: string },
  ) {
    const email = input.email.trim().toLowerCase();
    if (await this.db.query.users.findFirst({ where: eq(users.email, email) })) {
      throw new HttpProblem(409, 'Already exists', said('user_exists', { email }), [{ path: 'email', message: 'Taken' }]);
    }
    const [row] = await this.db
      .insert(users)
      .values({
        email,
        name: input.name,
        passwordHash: await hashPassword(input.password),
        departmentId: input.departmentId ?? null,
        locale: input.locale ?? 'en',
        phone: input.phone ?? null,
      })
      .returning();
    await audit(this.db, actor, {
      action: 'user.created',
      entityType: 'user',
      entityId: row!.id,
      departmentId: row!.departmentId,
      after: { email, name: input.name, departmentId: row!.departmentId },
    });
    return presentUser(row!);
  }

  async setLocale(actor: Actor, locale: 'en' | 'zh-CN') {
    const [row] = await this.db.update(users).set({ locale }).where(eq(users.id, actor.id)).returning();
    await audit(this.db, actor, {
      action: 'user.locale_changed',
      entityType: 'user',
      entityId: actor.id,
      before: { locale: actor.locale },
      after: { locale },
    });
    return presentUser(row!, actor.grants);
  }

  async grant(actor: Actor | null, input: { userId: string; role: Role; departmentId: string | null; expiresAt?: Date | null }) {
    await this.getUser(input.userId);
    const [row] = await this.db
      .insert(roleGrants)
      .values({
        userId: input.userId,
        role: input.role,
        departmentId: input.departmentId,
        expiresAt: input.expiresAt ?? null,
        grantedBy: actor?.id ?? null,
      })
      .returning();
    await audit(this.db, actor, {
      action: 'grant.created',
      entityType: 'grant',
      entityId: row!.id,
      departmentId: input.departmentId,
      after: { userId: input.userId, role: input.role, departmentId: input.departmentId, expiresAt: input.expiresAt ?? null },
    });
    return {
      id: row!.id,
      userId: row!.userId,
      role: row!.role,
      departmentId: row!.departmentId,
      expiresAt: row!.expiresAt?.toISOString() ?? null,
    };
  }

  async revoke(actor: Actor, grantId: string) {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(roleGrants).where(eq(roleGrants.id, grantId));
      if (!row) throw notFound('Grant', grantId);
      if (row.role === 'admin' && row.departmentId === null) {
        // One lock for every revoke of an administrator grant: two at once queue (row locks taken in turn would
        // deadlock), so they cannot both see the other's grant and leave none.
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('flightdeck:admin-grants'))`);
        const live = await tx
          .select({ id: roleGrants.id })
          .from(roleGrants)
          .where(
            and(
              eq(roleGrants.role, 'admin'),
              isNull(roleGrants.departmentId),
              or(isNull(roleGrants.expiresAt), gt(roleGrants.expiresAt, new Date(this.clock()))),
            ),
          );
        // Read after the lock (read committed): a revoke that went first is seen. An expired grant may always go.
        if (live.some((g) => g.id === grantId) && !live.some((g) => g.id !== grantId)) {
          throw conflict('id', 'This is the last administrator grant: grant administration to someone else first', 'last_admin');
        }
      }
      await tx.delete(roleGrants).where(eq(roleGrants.id, grantId));
      await audit(tx, actor, {
        action: 'grant.revoked',
        entityType: 'grant',
        entityId: grantId,
        departmentId: row.departmentId,
        before: { userId: row.userId, role: row.role, departmentId: row.departmentId },
      });
    });
  }

  async grantRow(grantId: string) {
    const row = await this.db.query.roleGrants.findFirst({ where: eq(roleGrants.id, grantId) });
    if (!row) throw notFound('Grant', grantId);
    return row;
  }

  async listDepartments() {
    return (await this.db.select().from(departments).orderBy(departments.name)).map((d) => ({
      id: d.id,
      name: d.name,
      headUserId: d.headUserId,
    }));
  }

  async ensureDepartment(actor: Actor | null, name: string, headUserId?: string | null) {
    // head_user_id has no foreign key (departments and users refer to each other): check it here.
    if (headUserId && !(await this.userRow(headUserId))) throw invalid('headUserId', `No user ${headUserId}`, 'not_found');
    const existing = await this.db.query.departments.findFirst({ where: eq(departments.name, name) });
    if (existing) {
      if (headUserId !== undefined && existing.headUserId !== headUserId) {
        await this.db.update(departments).set({ headUserId }).where(eq(departments.id, existing.id));
        await audit(this.db, actor, {
          action: 'department.head_changed',
          entityType: 'department',
          entityId: existing.id,
          departmentId: existing.id,
          before: { headUserId: existing.headUserId },
          after: { headUserId },
        });
      }
      return { id: existing.id, name, headUserId: headUserId ?? existing.headUserId };
    }
    const [row] = await this.db
      .insert(departments)
      .values({ name, headUserId: headUserId ?? null })
      .returning();
    await audit(this.db, actor, {
      action: 'department.created',
      entityType: 'department',
      entityId: row!.id,
      departmentId: row!.id,
      after: { name, headUserId },
    });
    return { id: row!.id, name, headUserId: row!.headUserId };
  }

  async userCount(): Promise<number> {
    const [r] = await this.db.select({ n: sql<number>`count(*)::int` }).from(users);
    return r?.n ?? 0;
  }
}
