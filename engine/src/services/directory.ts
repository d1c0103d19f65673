import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Person, ResolveApproversRequest } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { departments, roleGrants, users } from '../db/schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Turns approver references ("role approver in Legal", "head of Finance") into people, at the moment a task opens. */
export class Directory {
  constructor(private readonly db: Database) {}

  private async departmentId(name: string, campaignDepartment: string | null): Promise<string | undefined> {
    const wanted = name === 'campaign' ? campaignDepartment : name;
    if (!wanted) return undefined;
    const row = await this.db.query.departments.findFirst({ where: eq(departments.name, wanted) });
    return row?.id;
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
        const rows = await this.db
          .select({ userId: roleGrants.userId })
          .from(roleGrants)
          .where(
            and(
              eq(roleGrants.role, ref.role),
              or(isNull(roleGrants.expiresAt), gt(roleGrants.expiresAt, new Date())),
              // A department's role holders, plus whoever holds the role everywhere.
              deptId ? or(eq(roleGrants.departmentId, deptId), isNull(roleGrants.departmentId)) : undefined,
            ),
          );
        for (const r of rows) ids.add(r.userId);
      }
    }
    if (!ids.size) return [];
    const people = await this.db
      .select()
      .from(users)
      .where(and(inArray(users.id, [...ids]), eq(users.active, true)))
      .orderBy(users.name);
    return people.map((u) => ({ id: u.id, name: u.name, email: u.email, phone: u.phone }));
  }
}
