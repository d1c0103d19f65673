import { and, asc, eq, inArray } from 'drizzle-orm';
import type { CloseWorkTasksRequest, ConcreteApproverRef, OpenWorkTasksRequest, WorkTaskState } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { departments, runs, users, workTasks, type WorkTaskRow } from '../db/schema.ts';
import type { Directory } from './directory.ts';
import { invalid } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Assignee = Pick<WorkTaskRow, 'assigneeUserId' | 'assigneeRole' | 'assigneeDepartmentId'>;

/** The worker's side of work tasks: creating a node execution's rows once, and reading or closing them for the run. */
export class WorkTaskStore {
  constructor(
    private readonly db: Database,
    private readonly directory: Directory,
  ) {}

  /** A reference as a row's assignee: a person stays a person (a head is who heads it now), a role stays a role. */
  private async assignee(ref: ConcreteApproverRef, campaignDepartment: string | null, slot: number): Promise<Assignee> {
    const path = `assignees.${slot}`;
    if (ref.kind === 'user') {
      const [u] = await this.db
        .select({ id: users.id, active: users.active })
        .from(users)
        .where(UUID.test(ref.user) ? eq(users.id, ref.user) : eq(users.email, ref.user.toLowerCase()));
      if (!u?.active) throw invalid(path, `No active user "${ref.user}" to assign the task to`);
      return { assigneeUserId: u.id, assigneeRole: null, assigneeDepartmentId: null };
    }
    const departmentId = ref.department ? await this.directory.departmentId(ref.department, campaignDepartment) : undefined;
    if (ref.department && !departmentId) throw invalid(path, `No department "${ref.department}"`);
    if (ref.kind === 'role') return { assigneeUserId: null, assigneeRole: ref.role, assigneeDepartmentId: departmentId ?? null };
    const [d] = await this.db.select({ head: departments.headUserId }).from(departments).where(eq(departments.id, departmentId!));
    if (!d?.head) throw invalid(path, `The department "${ref.department}" has no head to assign the task to`);
    return { assigneeUserId: d.head, assigneeRole: null, assigneeDepartmentId: null };
  }

  async open(req: OpenWorkTasksRequest): Promise<WorkTaskState[]> {
    // Runs started from the API are "run-<id>"; a schedule's runs have Temporal's own ids, so look it up.
    const [run] = await this.db.select({ id: runs.id }).from(runs).where(eq(runs.workflowId, req.runId));
    if (!run) throw new Error(`No run recorded for workflow ${req.runId}`);
    const values = [];
    for (const [slot, ref] of req.assignees.entries()) {
      values.push({
        runId: run.id,
        workflowId: req.runId,
        nodeId: req.nodeId,
        executionKey: req.executionKey,
        slot,
        kind: req.kind,
        title: req.title,
        instructions: req.instructions,
        ...(await this.assignee(ref, req.campaignDepartment, slot)),
        campaignId: req.campaignId && UUID.test(req.campaignId) ? req.campaignId : null,
        hints: req.hints,
        dueAt: new Date(req.dueAt),
        remindEveryMs: req.remindEveryMs,
      });
    }
    if (values.length) await this.db.insert(workTasks).values(values).onConflictDoNothing();
    const rows = await this.db.select().from(workTasks).where(eq(workTasks.executionKey, req.executionKey)).orderBy(asc(workTasks.slot));
    return this.states(rows);
  }

  async read(ids: string[]): Promise<WorkTaskState[]> {
    if (!ids.length) return [];
    const rows = await this.db.select().from(workTasks).where(inArray(workTasks.id, ids)).orderBy(asc(workTasks.slot));
    return this.states(rows);
  }

  /** Only open rows change: a completion committed before the due time stays done. */
  async close(req: CloseWorkTasksRequest): Promise<WorkTaskState[]> {
    if (req.ids.length)
      await this.db
        .update(workTasks)
        .set({ status: req.status, ...(req.reason === undefined ? {} : { result: { reason: req.reason } }) })
        .where(and(inArray(workTasks.id, req.ids), eq(workTasks.status, 'open')));
    return this.read(req.ids);
  }

  private async states(rows: WorkTaskRow[]): Promise<WorkTaskState[]> {
    return Promise.all(
      rows.map(async (r) => {
        const notify =
          r.status !== 'open'
            ? []
            : await this.directory.people(
                r.assigneeUserId ? [r.assigneeUserId] : await this.directory.roleHolderIds(r.assigneeRole!, r.assigneeDepartmentId),
              );
        return {
          id: r.id,
          slot: r.slot,
          status: r.status,
          assignee: r.assigneeUserId
            ? `user:${r.assigneeUserId}`
            : `role:${r.assigneeRole}${r.assigneeDepartmentId ? `@${r.assigneeDepartmentId}` : ''}`,
          notify,
          completedBy: r.completedBy,
          result: (r.result ?? null) as WorkTaskState['result'],
        };
      }),
    );
  }
}
