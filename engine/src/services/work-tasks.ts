import { and, asc, desc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { workTaskNoticeKey, type WorkTaskStatus, said } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { campaigns, departments, users, workTasks, type WorkTaskRow } from '../db/schema.ts';
import { can, type Actor } from '../auth/access.ts';
import type { WorkTaskCompleteBody, WorkTaskView } from '../api/contracts/work-tasks.ts';
import { announceRunChange } from './run-changes.ts';
import type { LessonService } from './lessons.ts';
import type { RunService } from './runs.ts';
import { audit } from './audit.ts';
import type { Logger } from '../logger.ts';
import { Conflict, Forbidden, NotFound, invalid } from './errors.ts';

/** Tells a run that one of its tasks changed (the flow shell's `notice` signal). */
export type SignalRun = (workflowId: string, key: string) => Promise<void>;

const LESSON_FIELDS = ['fact', 'cause', 'insight', 'action', 'kpi', 'channel', 'outcome'] as const;

const notFound = (id: string) => new NotFound(said('no_task'), [{ path: 'id', message: `No task ${id}` }]);

/** Whether the task is the actor's: theirs by name, or their role's where they hold it. */
export function assignedTo(
  actor: Actor,
  row: Pick<WorkTaskRow, 'assigneeUserId' | 'assigneeRole' | 'assigneeDepartmentId'>,
  now = new Date(),
) {
  if (row.assigneeUserId) return row.assigneeUserId === actor.id;
  return actor.grants.some(
    (g) =>
      g.role === row.assigneeRole &&
      (!g.expiresAt || g.expiresAt > now) &&
      (g.departmentId === null || row.assigneeDepartmentId === null || g.departmentId === row.assigneeDepartmentId),
  );
}

/** The same rule as SQL, for "my tasks". */
function assignedWhere(actor: Actor, now = new Date()): SQL {
  const roles = actor.grants
    .filter((g) => !g.expiresAt || g.expiresAt > now)
    .map((g) =>
      and(
        eq(workTasks.assigneeRole, g.role),
        g.departmentId === null
          ? undefined
          : or(isNull(workTasks.assigneeDepartmentId), eq(workTasks.assigneeDepartmentId, g.departmentId)),
      ),
    );
  return or(eq(workTasks.assigneeUserId, actor.id), ...roles)!;
}

const assigneeUser = alias(users, 'assignee_user');
const completer = alias(users, 'completer');

export class WorkTaskService {
  constructor(
    private readonly db: Database,
    private readonly lessons: LessonService,
    private readonly runs: RunService,
    private readonly signal: SignalRun,
    private readonly log?: Pick<Logger, 'warn'>,
  ) {}

  private async present(rows: WorkTaskRow[]): Promise<WorkTaskView[]> {
    const ids = rows.map((r) => r.id);
    if (!ids.length) return [];
    const names = await this.db
      .select({
        id: workTasks.id,
        user: assigneeUser.name,
        department: departments.name,
        campaign: campaigns.name,
        completer: completer.name,
      })
      .from(workTasks)
      .leftJoin(assigneeUser, eq(assigneeUser.id, workTasks.assigneeUserId))
      .leftJoin(departments, eq(departments.id, workTasks.assigneeDepartmentId))
      .leftJoin(campaigns, eq(campaigns.id, workTasks.campaignId))
      .leftJoin(completer, eq(completer.id, workTasks.completedBy))
      .where(inArray(workTasks.id, ids));
    const byId = new Map(names.map((n) => [n.id, n]));
    return rows.map((r) => {
      const n = byId.get(r.id);
      return {
        id: r.id,
        runId: r.runId,
        nodeId: r.nodeId,
        kind: r.kind,
        title: r.title,
        instructions: r.instructions,
        assignee: r.assigneeUserId
          ? { kind: 'user' as const, user: { id: r.assigneeUserId, name: n?.user ?? '' } }
          : {
              kind: 'role' as const,
              role: r.assigneeRole!,
              department: r.assigneeDepartmentId ? { id: r.assigneeDepartmentId, name: n?.department ?? '' } : null,
            },
        campaign: r.campaignId ? { id: r.campaignId, name: n?.campaign ?? '' } : null,
        hints: r.hints as WorkTaskView['hints'],
        dueAt: r.dueAt.toISOString(),
        remindEveryMs: r.remindEveryMs,
        status: r.status,
        result: (r.result ?? null) as WorkTaskView['result'],
        completedBy: r.completedBy ? { id: r.completedBy, name: n?.completer ?? '' } : null,
        completedAt: r.completedAt?.toISOString() ?? null,
        createdAt: r.createdAt.toISOString(),
      };
    });
  }

  /** My tasks: assigned to me or to a role I hold there, soonest due first (closed ones: latest first). */
  async mine(actor: Actor, query: { status: WorkTaskStatus; campaignId?: string }): Promise<WorkTaskView[]> {
    const rows = await this.db
      .select()
      .from(workTasks)
      .where(
        and(
          assignedWhere(actor),
          eq(workTasks.status, query.status),
          query.campaignId ? eq(workTasks.campaignId, query.campaignId) : undefined,
        ),
      )
      .orderBy(query.status === 'open' ? asc(workTasks.dueAt) : desc(sql`coalesce(${workTasks.completedAt}, ${workTasks.dueAt})`))
      .limit(200);
    return this.present(rows);
  }

  /**
   * Its assignees, whoever completed it and whoever may read the run see a task; to anyone else it does not exist
   * (the same 404 as a made-up id), as with approvals.
   */
  private async visible(actor: Actor, id: string): Promise<WorkTaskRow> {
    const [row] = await this.db.select().from(workTasks).where(eq(workTasks.id, id));
    if (!row) throw notFound(id);
    if (assignedTo(actor, row) || row.completedBy === actor.id) return row;
    if (!can(actor, 'runs:read', await this.runs.departmentOf(row.runId))) throw notFound(id);
    return row;
  }

  async get(actor: Actor, id: string): Promise<WorkTaskView> {
    return (await this.present([await this.visible(actor, id)]))[0]!;
  }

  /**
   * Completes the task in one transaction (a lesson task's lesson with it), then tells the run. The row is locked
   * first, so of two completions at once one wins and the other finds it done.
   */
  async complete(actor: Actor, id: string, body: WorkTaskCompleteBody): Promise<WorkTaskView> {
    const seen = await this.visible(actor, id);
    if (!assignedTo(actor, seen)) throw new Forbidden(said('task_not_yours'), [{ path: 'id', message: 'Not yours' }]);
    const done = await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(workTasks).where(eq(workTasks.id, id)).for('update');
      if (!row || row.status !== 'open')
        throw new Conflict(said('task_not_open', { status: (row?.status ?? 'gone').replace('_', ' ') }), [
          { path: 'id', message: 'Not open', code: row?.status ?? 'gone' },
        ]);
      let result: { lessonId: string } | { note: string } | Record<string, never>;
      if (row.kind === 'lesson') {
        const hints = row.hints as { kpi?: string; channel?: string; outcome?: 'met' | 'missed' | 'mixed' };
        const lesson = await this.lessons.create(
          {
            fact: body.fact ?? '',
            cause: body.cause ?? '',
            insight: body.insight ?? '',
            action: body.action ?? '',
            ...(body.kpi || hints.kpi ? { kpi: body.kpi || hints.kpi } : {}),
            ...(body.channel || hints.channel ? { channel: body.channel || hints.channel } : {}),
            ...(body.outcome || hints.outcome ? { outcome: body.outcome ?? hints.outcome } : {}),
            ...(row.campaignId ? { campaignId: row.campaignId } : {}),
            runId: row.runId,
          },
          // The assignee writes it; the task, not their grants, is what lets them record it in the campaign's department.
          { ...actor, via: 'system' },
          tx,
        );
        result = { lessonId: lesson.id };
      } else {
        const extra = LESSON_FIELDS.find((f) => body[f] !== undefined);
        if (extra) throw invalid(extra, 'This task is not a lesson: it takes a note only');
        result = body.note ? { note: body.note } : {};
      }
      const [updated] = await tx
        .update(workTasks)
        .set({ status: 'done', result, completedBy: actor.id, completedAt: new Date() })
        .where(eq(workTasks.id, id))
        .returning();
      await audit(tx, actor, {
        action: 'task.completed',
        entityType: 'task',
        entityId: id,
        departmentId: await this.runs.departmentOf(row.runId),
        before: { status: 'open' },
        after: { status: 'done', ...result },
      });
      return updated!;
    });
    // Committed first: a signal lost here costs the run a delay (it re-reads its tasks), not the outcome.
    await this.signal(done.workflowId, workTaskNoticeKey(done.executionKey)).catch((err: Error) =>
      this.log?.warn({ taskId: id, workflowId: done.workflowId, err: err.message }, 'could not signal the run of a completed task'),
    );
    await announceRunChange(this.db, done.workflowId);
    return (await this.present([done]))[0]!;
  }
}
