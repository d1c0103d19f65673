import { randomUUID } from 'node:crypto';
import { and, arrayContains, desc, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ApprovalTaskView, Decision } from '@flightdeck/workflows';
import type { Database } from '../db/client.ts';
import { approvalTasks, heldDecisions, runs, usedLinkTokens } from '../db/schema.ts';
import { HttpProblem, notFound } from '../api/problem.ts';
import { can, type Actor } from '../auth/access.ts';
import type { CampaignService } from './campaigns.ts';
import type { RunService } from './runs.ts';
import { audit, type AuditActor } from './audit.ts';
import { Conflict, Unavailable } from './errors.ts';
import { announceRunChange } from './run-changes.ts';

/** Called by the worker's activity and after each decision; a write never replaces a newer version. */
export async function mirrorApprovalTask(db: Database, view: ApprovalTaskView): Promise<void> {
  // Runs started from the API are "run-<id>"; a schedule's runs have Temporal's own ids, so look it up.
  const [run] = await db.select({ id: runs.id }).from(runs).where(eq(runs.workflowId, view.runId));
  if (!run) throw new Error(`No run recorded for workflow ${view.runId}`);
  const runId = run.id;
  const values = {
    taskId: view.taskId,
    runId,
    workflowId: view.runId,
    nodeId: view.nodeId,
    title: view.title,
    status: view.status,
    eligibleUserIds: view.eligible.map((p) => p.id),
    detail: view,
    version: view.version,
    dueAt: new Date(view.dueAt),
    openedAt: new Date(view.openedAt),
    closedAt: view.closedAt ? new Date(view.closedAt) : null,
  };
  await db
    .insert(approvalTasks)
    .values(values)
    .onConflictDoUpdate({ target: approvalTasks.taskId, set: values, setWhere: lt(approvalTasks.version, view.version) });
}

/**
 * How long a decision waits for the run to take it. With no worker (one restarting after a crash, a Temporal restart) an
 * Update waits in Temporal's queue without end; the approver gets an answer instead, and the held row keeps the decision.
 */
const DECISION_DEADLINE_MS = 20_000;

const REJECTION_STATUS: Record<string, number> = { not_eligible: 403, duplicate: 409, closed: 409, invalid: 422, not_found: 404 };

type HeldDecision = Omit<typeof heldDecisions.$inferInsert, 'actor' | 'nextTryAt'> & { actor: AuditActor; nextTryAt: Date };

/** What a held decision keeps of its author: enough for the audit entry, nothing that grants anything. */
const heldActor = (a: Actor): AuditActor => ({ id: a.id, name: a.name, email: a.email, via: a.via });

/** The run's answer when it refused the decision, as the problem the approver gets; undefined for anything else. */
function refusal(err: unknown): HttpProblem | undefined {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type && REJECTION_STATUS[cause.type]) {
    const status = REJECTION_STATUS[cause.type]!;
    return new HttpProblem(
      status,
      status === 403 ? 'Not allowed to decide' : status === 409 ? 'Cannot decide now' : 'Invalid decision',
      cause.message,
      [{ path: cause.type === 'invalid' ? 'comment' : 'taskId', message: cause.message, code: cause.type }],
    );
  }
  if ((err as Error).name === 'WorkflowNotFoundError' || /not found|already completed/i.test((err as Error).message)) {
    return new HttpProblem(409, 'Cannot decide now', 'The run this approval belongs to has ended');
  }
  return undefined;
}

export class ApprovalService {
  constructor(
    private readonly db: Database,
    private readonly temporal: () => Client,
    private readonly campaigns: CampaignService,
    private readonly runs: RunService,
    private readonly decisionDeadlineMs = DECISION_DEADLINE_MS,
  ) {}

  mirror(view: ApprovalTaskView): Promise<void> {
    return mirrorApprovalTask(this.db, view);
  }

  private async present(rows: (typeof approvalTasks.$inferSelect)[]) {
    const runIds = [...new Set(rows.map((r) => r.runId))];
    const runRows = runIds.length
      ? await this.db.select({ id: runs.id, campaignId: runs.campaignId, flowId: runs.flowId }).from(runs).where(inArray(runs.id, runIds))
      : [];
    const campaignCache = new Map<string, Awaited<ReturnType<CampaignService['get']>> | null>();
    // Decisions sent and not yet taken by the run (no worker): the approver sees theirs is kept, and does not send it again.
    const taskIds = rows.filter((r) => r.status === 'open').map((r) => r.taskId);
    const held = taskIds.length ? await this.db.select().from(heldDecisions).where(inArray(heldDecisions.taskId, taskIds)) : [];
    // "What was approved before": the other approvals of the same run, decided already.
    const siblings = runIds.length
      ? await this.db
          .select()
          .from(approvalTasks)
          .where(and(inArray(approvalTasks.runId, runIds), ne(approvalTasks.status, 'open')))
      : [];
    return Promise.all(
      rows.map(async (r) => {
        const run = runRows.find((x) => x.id === r.runId);
        let campaign = null;
        if (run?.campaignId) {
          if (!campaignCache.has(run.campaignId))
            campaignCache.set(run.campaignId, await this.campaigns.get(run.campaignId).catch(() => null));
          campaign = campaignCache.get(run.campaignId) ?? null;
        }
        const task = r.detail as ApprovalTaskView;
        return {
          taskId: r.taskId,
          runId: r.runId,
          flowId: run?.flowId ?? null,
          nodeId: r.nodeId,
          title: r.title,
          status: r.status,
          dueAt: r.dueAt.toISOString(),
          openedAt: r.openedAt.toISOString(),
          closedAt: r.closedAt?.toISOString() ?? null,
          task,
          campaign,
          held: held
            .filter((h) => h.taskId === r.taskId)
            .map((h) => {
              return { userId: h.userId, name: (h.actor as AuditActor).name, decision: h.decision, heldAt: h.heldAt.toISOString() };
            }),
          previous: siblings
            .filter((s) => s.runId === r.runId && s.taskId !== r.taskId)
            .map((s) => ({
              title: s.title,
              status: s.status,
              votes: (s.detail as ApprovalTaskView).votes,
              closedAt: s.closedAt?.toISOString() ?? null,
            })),
        };
      }),
    );
  }

  /** My tasks: open ones I can decide, or closed ones I was asked to decide. */
  async inbox(actor: Actor, status: 'open' | 'closed') {
    const rows = await this.db
      .select()
      .from(approvalTasks)
      .where(
        and(
          arrayContains(approvalTasks.eligibleUserIds, [actor.id]),
          status === 'open' ? eq(approvalTasks.status, 'open') : ne(approvalTasks.status, 'open'),
        ),
      )
      .orderBy(status === 'open' ? approvalTasks.dueAt : desc(approvalTasks.closedAt))
      .limit(200);
    return this.present(rows);
  }

  async get(actor: Actor, taskId: string) {
    const row = await this.db.query.approvalTasks.findFirst({ where: eq(approvalTasks.taskId, taskId) });
    if (!row) throw notFound('Approval', taskId);
    await this.mustSee(actor, row);
    return (await this.present([row]))[0]!;
  }

  /** Its approvers and whoever may read the run see a task; to anyone else it does not exist (the same 404 as a made-up id). */
  private async mustSee(actor: Actor, row: typeof approvalTasks.$inferSelect): Promise<void> {
    const view = row.detail as ApprovalTaskView;
    const involved = row.eligibleUserIds.includes(actor.id) || view.votes.some((v) => v.userId === actor.id);
    if (!involved && !can(actor, 'runs:read', await this.runs.departmentOf(row.runId))) throw notFound('Approval', row.taskId);
  }

  /**
   * Sends the decision to the workflow as an Update; the workflow's validator has the last word. The decision is held in
   * PostgreSQL first: when the run does not take it in time (no worker), the approver hears so and the sync loop sends it
   * again until the run answers (`deliverHeld`).
   */
  async decide(actor: Actor, taskId: string, decision: Decision, comment?: string) {
    const row = await this.db.query.approvalTasks.findFirst({ where: eq(approvalTasks.taskId, taskId) });
    if (!row) throw notFound('Approval', taskId);
    await this.mustSee(actor, row);
    const held: HeldDecision = {
      // One id per request: its later sends are that request's, which Temporal deduplicates, while a second request
      // is a second vote, which the run refuses as one.
      updateId: `decision/${randomUUID()}`,
      taskId,
      userId: actor.id,
      decision,
      comment: comment ?? null,
      actor: heldActor(actor),
      nextTryAt: new Date(Date.now() + this.decisionDeadlineMs * 2),
    };
    const kept = await this.db.insert(heldDecisions).values(held).onConflictDoNothing().returning({ id: heldDecisions.updateId });
    // One held decision per person and task: until the run takes it, it is the answer (the inbox card says so).
    if (!kept.length)
      throw new Conflict({ key: 'decision_already_held', params: {} }, [
        { path: 'taskId', message: 'A decision of yours is already kept' },
      ]);
    const outcome = await this.send(row, held);
    if (outcome.kind === 'not_taken') {
      throw new Unavailable({ key: 'decision_not_taken_yet', params: { seconds: this.decisionDeadlineMs / 1000 } }, [
        { path: 'taskId', message: 'The run did not take the decision in time' },
      ]);
    }
    if (outcome.kind === 'refused') throw outcome.problem;
    return await this.get(actor, taskId);
  }

  /**
   * Sends the held decisions whose lease has run out once more. Called by the server's sync loop; each row is claimed by
   * moving its lease, so another API process skips it, and a row whose send does not return stays for the next round.
   */
  async deliverHeld(limit = 20): Promise<number> {
    const claimed = await this.db
      .update(heldDecisions)
      .set({ nextTryAt: sql`now() + make_interval(secs => ${(this.decisionDeadlineMs * 2) / 1000})` })
      .where(
        inArray(
          heldDecisions.updateId,
          this.db
            .select({ id: heldDecisions.updateId })
            .from(heldDecisions)
            .where(lte(heldDecisions.nextTryAt, sql`now()`))
            .orderBy(heldDecisions.nextTryAt)
            .limit(limit),
        ),
      )
      .returning();
    // Side by side: with no worker each send waits out the deadline, and one run's wait should not hold the others'.
    const outcomes = await Promise.all(
      claimed.map(async (h) => {
        const row = await this.db.query.approvalTasks.findFirst({ where: eq(approvalTasks.taskId, h.taskId) });
        if (!row) return 'gone'; // the task's run was deleted, and the held row with it
        const outcome = await this.send(row, { ...h, actor: h.actor as AuditActor }).catch(() => ({ kind: 'not_taken' as const }));
        if (outcome.kind === 'refused') {
          // The approver was told "not taken yet"; what the run said later is in the audit log, where the task's history is.
          await audit(this.db, h.actor as AuditActor, {
            action: 'approval.decision_refused',
            entityType: 'approval',
            entityId: h.taskId,
            departmentId: await this.runs.departmentOf(row.runId),
            before: null,
            after: { decision: h.decision, reason: outcome.problem.detail ?? outcome.problem.title },
          });
        }
        return outcome.kind;
      }),
    );
    return outcomes.filter((k) => k === 'taken').length;
  }

  /** One send of a held decision. Any answer from the run ends the hold; only "not in time" keeps it. */
  private async send(
    row: typeof approvalTasks.$inferSelect,
    held: HeldDecision,
  ): Promise<{ kind: 'taken' } | { kind: 'not_taken' } | { kind: 'refused'; problem: HttpProblem }> {
    const before = row.detail as ApprovalTaskView;
    let view: ApprovalTaskView;
    try {
      const client = this.temporal();
      view = await client.connection.withDeadline(Date.now() + this.decisionDeadlineMs, () =>
        client.workflow.getHandle(row.workflowId).executeUpdate<ApprovalTaskView, [{ taskId: string; input: unknown }]>('submitTask', {
          updateId: held.updateId,
          args: [
            {
              taskId: held.taskId,
              input: { userId: held.userId, decision: held.decision, ...(held.comment ? { comment: held.comment } : {}) },
            },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { kind: 'not_taken' };
      const problem = refusal(err);
      if (!problem) throw err;
      await this.db.delete(heldDecisions).where(eq(heldDecisions.updateId, held.updateId));
      return { kind: 'refused', problem };
    }
    await this.db.delete(heldDecisions).where(eq(heldDecisions.updateId, held.updateId));
    await this.mirror(view);
    // The Update has returned, so the workflow's state already holds the decision: the run view may re-read now.
    await announceRunChange(this.db, row.workflowId);
    await audit(this.db, held.actor, {
      action: `approval.${held.decision === 'approve' ? 'approved' : 'rejected'}`,
      entityType: 'approval',
      entityId: held.taskId,
      departmentId: await this.runs.departmentOf(row.runId),
      before: { status: before.status, votes: before.votes.length },
      after: { status: view.status, decision: held.decision, comment: held.comment },
    });
    return { kind: 'taken' };
  }

  async linkUsed(jti: string): Promise<boolean> {
    return (await this.db.select({ jti: usedLinkTokens.jti }).from(usedLinkTokens).where(eq(usedLinkTokens.jti, jti))).length > 0;
  }

  /** Marks an e-mail link's jti used; false when it was used before. */
  async consumeLink(jti: string): Promise<boolean> {
    const inserted = await this.db.insert(usedLinkTokens).values({ jti }).onConflictDoNothing().returning();
    return inserted.length === 1;
  }

  async openCount(actor: Actor): Promise<number> {
    const [r] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(approvalTasks)
      .where(and(arrayContains(approvalTasks.eligibleUserIds, [actor.id]), eq(approvalTasks.status, 'open')));
    return r?.n ?? 0;
  }
}
