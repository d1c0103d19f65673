import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, startWorker, type TestStack, type TestWorker } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';
import { postSignedEvent } from './support/hooks.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * The API's own worker (server/local-worker.ts): the runs the API starts are answered with their first workflow task,
 * which that worker runs, so a run needs no other worker; and a run goes on without it once it is gone.
 */
describe('eager start on the API process worker', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let other: TestWorker | undefined;
  let hookFlow: string;
  let secret: string;

  beforeAll(async () => {
    // No worker process: only the API's own worker takes this queue's tasks.
    stack = await startStack('eager-start', { worker: false, apiWorker: true });
    receiver = await startReceiver();
    ({ flowId: hookFlow } = await stack.api.publishFlow(
      'forward an event',
      flow(
        [
          node('event', 'trigger.webhook'),
          node('forward', 'channel.webhook', { url: `${receiver.url}/event`, body: { key: '{{ input.key }}' }, retry: fastRetry() }),
          node('done', 'control.end'),
        ],
        [edge('event', 'next', 'forward'), edge('forward', 'sent', 'done')],
      ),
    ));
    secret = (await stack.api.post(`/api/flows/${hookFlow}/hook-secret`, {})).body.secret;
  });
  afterAll(async () => {
    await other?.stop();
    await receiver?.close();
    await stack?.close();
  });

  const deliver = (key: string) => postSignedEvent(stack.url, { flowId: hookFlow, secret }, key, { key });
  const delivered = (key: string) => receiver.calls.filter((c) => (c.body as { key?: string }).key === key);

  it('an event and a start by hand each run to the end on the API worker, started eagerly', async () => {
    const runs = stack.server.app.runs;
    const before = { eager: runs.eagerStarts, queued: runs.queuedStarts };
    const answer = await deliver('evt-eager-1');
    expect(answer.status).toBe(202);
    const { runId } = await answer.json();
    expect((await stack.api.waitForRun(runId)).status).toBe('completed');
    const byHand = await stack.api.startRun(hookFlow, { key: 'by-hand-1' });
    expect((await stack.api.waitForRun(byHand)).status).toBe('completed');
    expect(delivered('evt-eager-1')).toHaveLength(1);
    expect(delivered('by-hand-1')).toHaveLength(1);
    expect({ eager: runs.eagerStarts - before.eager, queued: runs.queuedStarts - before.queued }).toEqual({ eager: 2, queued: 0 });
  });

  it('a run waiting on an approval goes on at the worker process once the API worker has stopped', async () => {
    const approver = await stack.user('Ada Approver', [{ role: 'approver', department: null }]);
    const { flowId } = await stack.api.publishFlow(
      'approve, then forward',
      flow(
        [
          node('start', 'trigger.manual'),
          node('ask', 'approval.request', { title: 'Go?', approvers: [{ kind: 'user', user: approver.email }], due: '1h' }),
          node('forward', 'channel.webhook', { url: `${receiver.url}/event`, body: { key: 'after-approval' }, retry: fastRetry() }),
          node('yes', 'control.end'),
          node('no', 'control.end', { status: 'completed', reason: 'not approved' }),
        ],
        [
          edge('start', 'next', 'ask'),
          edge('ask', 'approved', 'forward'),
          edge('ask', 'rejected', 'no'),
          edge('ask', 'timed_out', 'no'),
          edge('forward', 'sent', 'yes'),
        ],
      ),
    );
    const eagerBefore = stack.server.app.runs.eagerStarts;
    const runId = await stack.api.startRun(flowId);
    expect(stack.server.app.runs.eagerStarts).toBe(eagerBefore + 1);
    const task = await waitFor('the approval in the inbox', async () =>
      (await approver.api.get('/api/approvals')).body.items.find((t: { runId: string }) => t.runId === runId),
    );

    // The API worker goes (as when the API restarts); the worker process comes.
    await stack.server.localWorker!.close();
    expect(stack.server.localWorker!.starter()).toBeUndefined();
    other = await startWorker(stack.taskQueue, stack.deps);

    const decided = await approver.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
    expect(decided.status).toBe(200);
    const run = await stack.api.waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.state.nodes.ask.handle).toBe('approved');
    expect(delivered('after-approval')).toHaveLength(1);

    // With no API worker, a start goes through matching to the worker process.
    const queuedBefore = stack.server.app.runs.queuedStarts;
    const later = await stack.api.startRun(hookFlow, { key: 'without-api-worker' });
    expect((await stack.api.waitForRun(later)).status).toBe('completed');
    expect(stack.server.app.runs.queuedStarts).toBe(queuedBefore + 1);
    expect(delivered('without-api-worker')).toHaveLength(1);
  });
});
