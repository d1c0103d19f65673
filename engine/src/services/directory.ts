import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Person, ResolveApproversRequest, Role } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { departments, roleGrants, users } from '../db/schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Turns approver references ("role approver in Legal", "head of Finance") into people, at the moment a task opens. */
export class Directory {
  constructor(private readonly db: Database) {}

  async departmentId(name: string, campaignDepartment: string | null): Promise<string | undefined> {
    const wanted = name === 'campaign' ? campaignDepartment : name;
    if (!wanted) return undefined;
    const row = await this.db.query.departments.findFirst({ where: eq(departments.name, wanted) });
    return row?.id;
  }

  /** Who holds a role in a department now: its holders there, plus whoever holds it everywhere (null: anywhere). */
  async roleHolderIds(role: Role, departmentId: string | null): Promise<string[]> {
    const rows = await this.db
      .select({ userId: roleGrants.userId })
      .from(roleGrants)
      .where(
        and(
          eq(roleGrants.role, role),
          or(isNull(roleGrants.expiresAt), gt(roleGrants.expiresAt, new Date())),
          departmentId ? or(eq(roleGrants.departmentId, departmentId), isNull(roleGrants.departmentId)) : undefined,
        ),
      );
    return [...new Set(rows.map((r) => r.userId))];
  }

  /** Active people by id, by name. */
  async people(ids: string[]): Promise<Person[]> {
    if (!ids.length) return [];
    const rows = await this.db
      .select()
      .from(users)
      .where(and(inArray(users.id, ids), eq(users.active, true)))
      .orderBy(users.name);
    return rows.map((u) => ({ id: u.id, name: u.name, email: u.email, phone: u.phone }));
  }

  async resolve(req: ResolveApproversRequest): Promise<Person[]> {
    const ids = new Set<string>();
    for (const ref of req.refs) {
      if (ref.kind === 'user') {
        const u = await this.db.query.users.findFirst({
          where: UUID.test(ref.user) ? eq(users.id, ref.user) : eq(users.email, ref.user.toLowerCase()),
        });
        if (u) ids.add(u.id);
      } else if (ref.kind === 'department_head') {
        const id = await this.departmentId(ref.department, req.campaignDepartment);
        const dept = id ? await this.db.query.departments.findFirst({ where: eq(departments.id, id) }) : undefined;
        if (dept?.headUserId) ids.add(dept.headUserId);
      } else {
        const deptId = ref.department ? await this.departmentId(ref.department, req.campaignDepartment) : undefined;
        if (ref.department && !deptId) continue;
        for (const id of await this.roleHolderIds(ref.role, deptId ?? null)) ids.add(id);
      }
    }
    return this.people([...ids]);
  }
}
