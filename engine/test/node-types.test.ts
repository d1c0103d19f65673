import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_TYPES } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';

/** Every node type, run for real: API → PostgreSQL → Temporal → worker → a real HTTP receiver. */
describe('every node type runs on Temporal', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const covered = new Set<string>();

  beforeAll(async () => {
    stack = await startStack('nodes');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  async function run(name: string, graph: ReturnType<typeof flow>, input: unknown = {}) {
    for (const n of graph.nodes) covered.add(n.type);
    const { flowId } = await stack.api.publishFlow(name, graph);
    return stack.api.waitForRun(await stack.api.startRun(flowId, input));
  }

  it('manual trigger → webhook (templated body) → end', async () => {
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('call', 'channel.webhook', {
          url: `${receiver.url}/hooks/{{ input.campaign }}`,
          headers: { 'x-campaign': '{{ input.campaign }}' },
          body: {
            campaign: '{{ input.campaign }}',
            budget: '{{ input.budget }}',
            text: 'Budget {{ input.budget }} for {{ input.campaign }}',
            run: '{{ run.id }}',
          },
          retry: fastRetry(),
        }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'call'), edge('call', 'sent', 'done')],
    );
    const before = receiver.calls.length;
    const result = await run('webhook', graph, { campaign: 's618', budget: 1200000 });
    expect(result.status).toBe('completed');
    const call = receiver.calls[before]!;
    expect(call.path).toBe('/hooks/s618');
    expect(call.headers['x-campaign']).toBe('s618');
    expect(call.headers['idempotency-key']).toBe(`${result.workflowId}/call/1`);
    expect(call.body).toEqual({ campaign: 's618', budget: 1200000, text: 'Budget 1200000 for s618', run: result.workflowId });
    const nodes = result.state.nodes;
    expect(nodes.start.status).toBe('completed');
    expect(nodes.call).toMatchObject({ status: 'completed', handle: 'sent', output: { status: 200, body: { ok: true }, attempt: 1 } });
    expect(nodes.call.durationMs).toBeGreaterThanOrEqual(0);
    expect(nodes.done.status).toBe('completed');
  });

  it('condition takes the true or the false path and skips the other', async () => {
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('big', 'control.condition', { expression: 'input.budget > 1000000' }),
        node('finance', 'control.end', { status: 'completed' }),
        node('normal', 'control.end', { status: 'completed' }),
      ],
      [edge('start', 'next', 'big'), edge('big', 'true', 'finance'), edge('big', 'false', 'normal')],
    );
    const high = await run('cond-high', graph, { budget: 1200000 });
    expect(high.state.nodes.big).toMatchObject({ status: 'completed', handle: 'true', output: { result: true } });
    expect(high.state.nodes.finance.status).toBe('completed');
    expect(high.state.nodes.normal.status).toBe('skipped');
    const low = await run('cond-low', graph, { budget: 5000 });
    expect(low.state.nodes.big.handle).toBe('false');
    expect(low.state.nodes.finance.status).toBe('skipped');
    expect(low.state.nodes.normal.status).toBe('completed');
  });

  it('delay waits on a durable timer', async () => {
    const graph = flow(
      [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '1s' }), node('done', 'control.end')],
      [edge('start', 'next', 'wait'), edge('wait', 'next', 'done')],
    );
    const result = await run('delay', graph);
    expect(result.status).toBe('completed');
    expect(result.state.nodes.wait.durationMs).toBeGreaterThanOrEqual(1000);
    expect(result.state.nodes.wait.output.waitedMs).toBeGreaterThanOrEqual(1000);
  });

  it('wait-until sleeps durably until a (templated) time', async () => {
    const graph = flow(
      [node('start', 'trigger.manual'), node('until', 'control.wait_until', { at: '{{ input.at }}' }), node('done', 'control.end')],
      [edge('start', 'next', 'until'), edge('until', 'next', 'done')],
    );
    const at = new Date(Date.now() + 1500).toISOString();
    const result = await run('wait-until', graph, { at });
    expect(result.status).toBe('completed');
    expect(result.state.nodes.until.output.until).toBe(at);
    expect(result.state.nodes.until.endedAt).toBeGreaterThanOrEqual(Date.parse(at));
  });

  it('end nodes end the run as failed or cancelled with their reason', async () => {
    const failing = flow(
      [node('start', 'trigger.manual'), node('stop', 'control.end', { status: 'failed', reason: 'Budget missing' })],
      [edge('start', 'next', 'stop')],
    );
    const failed = await run('end-failed', failing);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toContain('Budget missing');
    expect(failed.state.nodes.stop.status).toBe('completed');

    const cancelling = flow(
      [node('start', 'trigger.manual'), node('stop', 'control.end', { status: 'cancelled' })],
      [edge('start', 'next', 'stop')],
    );
    const cancelled = await run('end-cancelled', cancelling);
    expect(cancelled.status).toBe('cancelled');
  });

  it('a run can be cancelled while it waits', async () => {
    const graph = flow(
      [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '1h' }), node('done', 'control.end')],
      [edge('start', 'next', 'wait'), edge('wait', 'next', 'done')],
    );
    const { flowId } = await stack.api.publishFlow('cancel-me', graph);
    const runId = await stack.api.startRun(flowId);
    await stack.api.waitForNode(runId, 'wait', 'running');
    const cancel = await stack.api.post(`/api/runs/${runId}/cancel`);
    expect(cancel.status).toBe(202);
    const result = await stack.api.waitForRun(runId);
    expect(result.status).toBe('cancelled');
    expect(result.state.nodes.wait.status).toBe('cancelled');
    expect(result.state.nodes.done.status).toBe('skipped');
    const again = await stack.api.post(`/api/runs/${runId}/cancel`);
    expect(again.status).toBe(409);
  });

  it('a parallel split runs both branches and the join continues exactly once', async () => {
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('fork', 'control.parallel', { branches: ['left', 'right'] }),
        node('slow', 'control.delay', { duration: '500ms' }),
        node('fast', 'channel.webhook', { url: `${receiver.url}/fast`, retry: fastRetry() }),
        node('meet', 'control.join', { mode: 'all' }),
        node('after', 'channel.webhook', { url: `${receiver.url}/after-join`, retry: fastRetry() }),
        node('done', 'control.end'),
      ],
      [
        edge('start', 'next', 'fork'),
        edge('fork', 'left', 'slow'),
        edge('fork', 'right', 'fast'),
        edge('slow', 'next', 'meet'),
        edge('fast', 'sent', 'meet'),
        edge('meet', 'next', 'after'),
        edge('after', 'sent', 'done'),
      ],
    );
    const result = await run('split-join', graph);
    expect(result.status).toBe('completed');
    expect(result.state.nodes.meet).toMatchObject({ status: 'completed', executions: 1 });
    expect(receiver.calls.filter((c) => c.path === '/after-join')).toHaveLength(1);
    expect(result.state.nodes.after.startedAt).toBeGreaterThanOrEqual(result.state.nodes.slow.endedAt);
  });

  // Elsewhere: approvals, e-mail and campaign status run in launch-template.test.ts, the webhook trigger in hooks.test.ts,
  // channel sends in channels.test.ts, schedules in schedules.test.ts, in-app, broadcast and pause/resume in
  // delivery-rules.test.ts, launch in launch-618.test.ts.
  it('covered every node type in the catalogue, here or in another file', () => {
    const elsewhere = [
      'approval.request',
      'channel.email',
      'campaign.status',
      'trigger.webhook',
      'channel.send',
      'trigger.schedule',
      'channel.in_app',
      'channel.broadcast',
      'campaign.channel_control',
      'campaign.launch',
      // engine/test/monitor-flow.test.ts: the crisis flow on the 618 scenario, ingest to ack.
      'monitoring.monitor',
      'monitoring.escalate',
      // engine/test/subflow.test.ts: a parent starts a published child flow that posts to a receiver.
      'flow.subflow',
      // engine/test/work-tasks.test.ts: a task completed through the API, a lesson task, a stranger refused.
      'human.task',
      // engine/test/review-node.test.ts: waits for the 618 campaign's end through a date edit and stores its review.
      'campaign.review',
      // engine/test/templates-gallery.test.ts: a run reads stored metrics through sumCampaignMetrics and judges an A/B test.
      'campaign.kpis',
    ];
    expect([...new Set([...covered, ...elsewhere])].sort()).toEqual(NODE_TYPES.map((d) => d.type).sort());
  });
});
