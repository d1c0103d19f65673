import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { auditLog, heldDecisions } from '../src/db/schema.ts';
import { startStack, startWorker, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * A decision sent while no worker runs (one restarting after a crash) cannot be taken by the run. The approver gets a
 * 503 problem naming the task within the decision deadline, lowered here, instead of a request that never ends. The
 * decision is held in PostgreSQL and sent again, so the run takes it once a worker is back, even when Temporal dropped
 * the Update it had admitted (it keeps one only in memory until a worker accepts it).
 */
describe('an approval decided while no worker runs', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack('approval-no-worker', { decisionDeadlineMs: 300 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function askedRun(name: string) {
    const designer = await stack.user('Nora Designer', [{ role: 'designer', department: 'Ops' }], { department: 'Ops' });
    const approver = await stack.user('Omar Approver', [{ role: 'approver', department: 'Ops' }], { department: 'Ops' });
    const { flowId } = await designer.api.publishFlow(
      name,
      flow(
        [
          node('start', 'trigger.manual'),
          node('ask', 'approval.request', { title: 'Launch', approvers: [{ kind: 'user', user: approver.email }], due: '1h' }),
          node('yes', 'control.end', { status: 'completed', reason: 'approved' }),
          node('no', 'control.end', { status: 'completed', reason: 'rejected' }),
        ],
        [edge('start', 'next', 'ask'), edge('ask', 'approved', 'yes'), edge('ask', 'rejected', 'no'), edge('ask', 'timed_out', 'no')],
      ),
    );
    const runId = await designer.api.startRun(flowId);
    const task = await waitFor('the task in the inbox', async () =>
      (await approver.api.get('/api/approvals')).body.items.find((t: { runId: string }) => t.runId === runId),
    );
    return { designer, approver, runId, taskId: task.taskId as string };
  }

  it('sends a held decision that Temporal never saw, once, and records who decided', async () => {
    const { designer, approver, runId, taskId } = await askedRun('held while Temporal lost it');
    // What an Update lost from Temporal's memory leaves behind: the held row, and a run that never heard of it.
    const db = stack.server.db.db;
    await db.insert(heldDecisions).values({
      updateId: `decision/${randomUUID()}`,
      taskId,
      userId: approver.id,
      decision: 'reject',
      comment: 'Budget is not signed',
      actor: { id: approver.id, name: 'Omar Approver', email: approver.email, via: 'session' },
      nextTryAt: new Date(0),
    });
    const run = await designer.api.waitForRun(runId);
    expect(run.state.nodes.ask.handle).toBe('rejected');
    await waitFor(
      'the held row gone',
      async () => (await db.select().from(heldDecisions).where(eq(heldDecisions.taskId, taskId))).length === 0,
    );
    const read = await approver.api.get(`/api/approvals/${encodeURIComponent(taskId)}`);
    expect(
      read.body.task.votes.map((v: { userId: string; decision: string; comment?: string }) => [v.userId, v.decision, v.comment]),
    ).toEqual([[approver.id, 'reject', 'Budget is not signed']]);
    const entries = await db
      .select({ action: auditLog.action, actor: auditLog.actor, actorId: auditLog.actorId })
      .from(auditLog)
      .where(sql`${auditLog.entityType} = 'approval' and ${auditLog.entityId} = ${taskId}`);
    expect(entries).toEqual([{ action: 'approval.rejected', actor: `Omar Approver <${approver.email}>`, actorId: approver.id }]);
  });

  it('answers 503 naming the task, and the run takes the decision when a worker is back', async () => {
    const { designer, approver, runId, taskId } = await askedRun('decided while no worker runs');
    const task = { taskId };

    await stack.worker.stop();
    const answer = await approver.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
    expect(answer.status).toBe(503);
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.body.errors[0].path).toBe('taskId');
    expect(answer.body.detail).toMatch(/did not take the decision within 0\.3 s/);
    // The approver's card says the decision is kept, so they do not send it again.
    const meanwhile = await approver.api.get(`/api/approvals/${encodeURIComponent(task.taskId)}`);
    expect(meanwhile.body.status).toBe('open');
    expect(meanwhile.body.held.map((h: { userId: string; decision: string }) => [h.userId, h.decision])).toEqual([
      [approver.id, 'approve'],
    ]);
    // A second answer meanwhile, even a changed one, is refused: the kept decision is the answer until the run takes it.
    const again = await approver.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, {
      decision: 'reject',
      comment: 'Changed my mind',
    });
    expect(again.status).toBe(409);
    expect(again.contentType).toContain('application/problem+json');
    expect(again.body.errors[0].path).toBe('taskId');
    expect(again.body.detail).toMatch(/already kept/);
    expect((await stack.server.db.db.select().from(heldDecisions).where(eq(heldDecisions.taskId, taskId))).length).toBe(1);

    stack.worker = await startWorker(stack.taskQueue, stack.deps);
    const run = await designer.api.waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.ask.handle).toBe('approved');
    const read = await approver.api.get(`/api/approvals/${encodeURIComponent(task.taskId)}`);
    const votes = read.body.task.votes as { userId: string; decision: string }[];
    expect(votes.map((v) => [v.userId, v.decision])).toEqual([[approver.id, 'approve']]);
    expect(read.body.held).toEqual([]);
    // Whether Temporal kept the Update or the held row's send was the one taken, the vote and its audit entry are one.
    const db = stack.server.db.db;
    await waitFor(
      'the held row gone',
      async () => (await db.select().from(heldDecisions).where(eq(heldDecisions.taskId, taskId))).length === 0,
    );
    const entries = await db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(sql`${auditLog.entityType} = 'approval' and ${auditLog.entityId} = ${taskId}`);
    expect(entries).toEqual([{ action: 'approval.approved' }]);
  });
});
