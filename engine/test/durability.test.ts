import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, startWorker, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';

describe('durability', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    stack = await startStack('durable');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  it('a run survives a worker restart in the middle of a durable wait, and a wake-up sent while it was down is kept', async () => {
    // The wait is for a campaign date (tomorrow), so the worker certainly stops inside it: a 10 s delay raced the
    // clock (a busy machine could find it over before the worker stopped).
    const DAY = 86_400_000;
    const iso = (t: number) => new Date(t).toISOString();
    const phasesFrom = (at: number) => [{ name: 'warm_up', startsAt: iso(at), endsAt: iso(at + 7 * DAY) }];
    const campaign = await stack.api.post('/api/campaigns', { name: 'Durable wait', phases: phasesFrom(Date.now() + DAY) });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('before', 'channel.webhook', { url: `${receiver.url}/before`, body: { step: 'before' }, retry: fastRetry() }),
        node('wait', 'control.wait_until', { phase: 'warm_up' }),
        node('after', 'channel.webhook', { url: `${receiver.url}/after`, body: { step: 'after' }, retry: fastRetry() }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'before'), edge('before', 'sent', 'wait'), edge('wait', 'next', 'after'), edge('after', 'sent', 'done')],
    );
    const { flowId } = await stack.api.publishFlow('restart', graph);
    const runId = await stack.api.startRun(flowId, {}, campaign.body.id);
    await stack.api.waitForNode(runId, 'wait', 'running');

    // The worker dies mid-wait; while it is down the date moves to now. The wake-up waits in Temporal's history, and
    // nothing runs without a worker.
    await stack.worker.stop();
    const moved = await stack.api.put(`/api/campaigns/${campaign.body.id}/phases`, { phases: phasesFrom(Date.now()) });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.notifiedRuns).toBe(1);
    expect(receiver.calls.filter((c) => c.path === '/after')).toHaveLength(0);

    stack.worker = await startWorker(stack.taskQueue, stack.deps);
    const result = await stack.api.waitForRun(runId);
    expect(result.status).toBe('completed');
    expect(result.state.nodes.wait.output.moved).toHaveLength(1);
    expect(result.state.nodes.after.status).toBe('completed');
    // Replaying the history on the new worker did not repeat the first call.
    expect(receiver.calls.filter((c) => c.path === '/before')).toHaveLength(1);
    expect(receiver.calls.filter((c) => c.path === '/after')).toHaveLength(1);
  });

  it('a run keeps its pinned version while the flow is edited and republished', async () => {
    // The run is held at a gate the test opens, so it is certainly mid-run while the flow changes (a short delay raced it).
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const gate = await startReceiver(async () => {
      await opened;
      return { status: 200, body: { ok: true } };
    });
    const v1 = flow(
      [
        node('start', 'trigger.manual'),
        node('wait', 'channel.webhook', { url: `${gate.url}/gate`, body: {}, timeout: '1m', retry: fastRetry() }),
        node('call', 'channel.webhook', { url: `${receiver.url}/pinned`, body: { version: 'one' }, retry: fastRetry() }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'wait'), edge('wait', 'sent', 'call'), edge('call', 'sent', 'done')],
    );
    const { flowId } = await stack.api.publishFlow('pinned', v1);
    const runId = await stack.api.startRun(flowId);
    try {
      await stack.api.waitForNode(runId, 'wait', 'running');
      expect(receiver.calls.filter((c) => c.path === '/pinned')).toHaveLength(0);

      const v2 = structuredClone(v1);
      (v2.nodes[2]!.config as { body: unknown }).body = { version: 'two' };
      expect((await stack.api.put(`/api/flows/${flowId}`, { graph: v2 })).status).toBe(200);
      const published = await stack.api.post(`/api/flows/${flowId}/versions`, { note: 'second' });
      expect(published.body.version).toBe(2);
      open();

      const first = await stack.api.waitForRun(runId);
      expect(first.version).toBe(1);
      expect(first.graph.nodes[2].config.body).toEqual({ version: 'one' });
      const secondId = await stack.api.startRun(flowId);
      const second = await stack.api.waitForRun(secondId);
      expect(second.version).toBe(2);
      expect(receiver.calls.filter((c) => c.path === '/pinned').map((c) => c.body)).toEqual([{ version: 'one' }, { version: 'two' }]);

      const versions = await stack.api.get(`/api/flows/${flowId}/versions`);
      expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    } finally {
      open();
      await gate.close();
    }
  });
});
