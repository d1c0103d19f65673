import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, startWorker, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * A decision sent while no worker runs (one restarting after a crash) cannot be taken by the run. The approver gets a
 * 503 problem naming the task within the decision deadline, lowered here, instead of a request that never ends; Temporal
 * keeps the decision, and the run takes it once a worker is back.
 */
describe('an approval decided while no worker runs', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack('approval-no-worker', { decisionDeadlineMs: 300 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 503 naming the task, and the run takes the decision when a worker is back', async () => {
    const designer = await stack.user('Nora Designer', [{ role: 'designer', department: 'Ops' }], { department: 'Ops' });
    const approver = await stack.user('Omar Approver', [{ role: 'approver', department: 'Ops' }], { department: 'Ops' });
    const { flowId } = await designer.api.publishFlow(
      'decided while no worker runs',
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

    await stack.worker.stop();
    const answer = await approver.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
    expect(answer.status).toBe(503);
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.body.errors[0].path).toBe('taskId');
    expect(answer.body.detail).toMatch(/did not take the decision within 0\.3 s/);

    stack.worker = await startWorker(stack.taskQueue, stack.deps);
    const run = await designer.api.waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.ask.handle).toBe('approved');
    const read = await approver.api.get(`/api/approvals/${encodeURIComponent(task.taskId)}`);
    const votes = read.body.task.votes as { userId: string; decision: string }[];
    expect(votes.map((v) => [v.userId, v.decision])).toEqual([[approver.id, 'approve']]);
  });
});
