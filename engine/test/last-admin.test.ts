import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startStack, type TestStack } from './support/stack.ts';

/** Revoking grants can never leave the installation without an administrator, even when two revokes race. */
describe('the last administrator grant', () => {
  let stack: TestStack;
  /** The client of whichever administrator is left after the race. */
  let remaining: TestStack['api'];
  beforeAll(async () => {
    stack = await startStack('last-admin', { worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const liveAdminGrants = async () =>
    (
      await stack.server.db.db.execute<{ id: string }>(
        sql`SELECT id FROM role_grants WHERE role = 'admin' AND department_id IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      )
    ).rows.map((r) => r.id);

  it('cannot be revoked; another one first makes it revocable', async () => {
    const [only] = await liveAdminGrants();
    expect(await liveAdminGrants()).toHaveLength(1);
    const refused = await stack.api.del(`/api/grants/${only}`);
    expect(refused.status).toBe(409);
    expect(refused.contentType).toMatch(/application\/problem\+json/);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'id', code: 'last_admin' })]);

    const second = await stack.user('Second Admin', []);
    const granted = await stack.api.post(`/api/users/${second.id}/grants`, { role: 'admin', departmentId: null });
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    // Two revokes at once, one per grant, each by the other administrator: exactly one passes, whichever commits first.
    // The other is refused as the last grant (409) or, when its caller's own grant just went, as no longer allowed (403).
    const results = await Promise.all([second.api.del(`/api/grants/${only}`), stack.api.del(`/api/grants/${granted.body.id}`)]);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(
      statuses.filter((s) => s !== 204).every((s) => s === 409 || s === 403),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(await liveAdminGrants()).toHaveLength(1);
    remaining = statuses[0] === 204 ? second.api : stack.api;
  });

  it('an expired administrator grant does not count as another administrator', async () => {
    const [only] = await liveAdminGrants();
    const third = await stack.user('Lapsed Admin', []);
    await stack.server.db.db.execute(
      sql`INSERT INTO role_grants (user_id, role, department_id, expires_at) VALUES (${third.id}, 'admin', NULL, now() - interval '1 day')`,
    );
    expect((await remaining.del(`/api/grants/${only}`)).status).toBe(409);
  });
});
