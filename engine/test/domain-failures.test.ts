import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { finalFailureOf } from '../src/worker/domain-failures.ts';
import { Conflict, NotFound } from '../src/services/errors.ts';
import { HttpProblem } from '../src/api/problem.ts';

/**
 * A service's refusal reaches the flow as a non-retryable failure on the first attempt: a launch
 * that is not allowed takes the node's failed path at once, with the service's reason, instead of
 * being retried for minutes first.
 */
describe('domain errors in activities are final', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('domain-failures');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('maps refusals to non-retryable failures and leaves everything else retryable', () => {
    expect(finalFailureOf(new Conflict('A draft campaign cannot go live'))).toMatchObject({
      nonRetryable: true,
      message: 'A draft campaign cannot go live',
    });
    expect(finalFailureOf(new NotFound('Connection x does not exist'))).toMatchObject({ nonRetryable: true });
    expect(finalFailureOf(new HttpProblem(409, 'Launch not allowed', 'A draft campaign cannot go live'))).toMatchObject({
      nonRetryable: true,
      type: 'Launchnotallowed',
    });
    expect(finalFailureOf(new HttpProblem(429, 'Too many requests'))).toBeUndefined();
    expect(finalFailureOf(new Error('Connection terminated unexpectedly'))).toBeUndefined();
  });

  it('a refused launch fails its node on the first attempt with the reason', async () => {
    const campaign = await stack.api.post('/api/campaigns', { name: 'Still a draft', departmentId: await stack.departmentId('Marketing') });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('launch', 'campaign.launch', { announce: [] }),
        node('live', 'control.end'),
        node('refused', 'control.end', { status: 'completed', reason: 'not launched' }),
      ],
      [edge('start', 'next', 'launch'), edge('launch', 'next', 'live'), edge('launch', 'failed', 'refused')],
    );
    const { flowId } = await stack.api.publishFlow('launch a draft', graph);
    const runId = await stack.api.startRun(flowId, {}, campaign.body.id);
    const run = await stack.api.waitForRun(runId);
    expect(run.state.nodes.launch).toMatchObject({ status: 'completed', handle: 'failed' });
    expect(run.state.nodes.launch.output.error).toMatch(/cannot go live/);
    // One attempt, no retries: the history has a single start of the launch activity, attempt 1.
    const history = await stack.server.temporal.client.workflow.getHandle(run.workflowId).fetchHistory();
    const starts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(starts.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  });

  it('a send through a connection deleted after publishing fails its node on the first attempt', async () => {
    const created = await stack.api.post('/api/connections', {
      kind: 'webhook',
      name: 'Soon gone',
      departmentId: await stack.departmentId('Marketing'),
      secrets: {
        url: 'https://partner.example/hook',
        secret: 'whsec_' + Buffer.from('a signing secret of thirty two bytes!').toString('base64'),
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('announce', 'channel.send', { connection: created.body.id, text: 'hello' }),
        node('done', 'control.end'),
        node('lost', 'control.end', { status: 'completed', reason: 'no connection' }),
      ],
      [edge('start', 'next', 'announce'), edge('announce', 'sent', 'done'), edge('announce', 'failed', 'lost')],
    );
    const { flowId } = await stack.api.publishFlow('send through a deleted connection', graph);
    expect((await stack.api.del(`/api/connections/${created.body.id}`)).status).toBe(204);
    const run = await stack.api.waitForRun(await stack.api.startRun(flowId));
    expect(run.state.nodes.announce).toMatchObject({ status: 'completed', handle: 'failed' });
    const history = await stack.server.temporal.client.workflow.getHandle(run.workflowId).fetchHistory();
    const starts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(starts.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  });

  it('refuses to start a run that would fail for want of a campaign, naming the field and the step', async () => {
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('tell', 'channel.webhook', { url: 'https://hooks.example.test/x', body: { budget: '{{ campaign.budget }}' } }),
        node('done', 'control.end'),
      ],
      [edge('start', 'next', 'tell'), edge('tell', 'sent', 'done')],
    );
    const { flowId } = await stack.api.publishFlow('needs a campaign', graph);
    const refused = await stack.api.post(`/api/flows/${flowId}/runs`, { input: {} });
    expect(refused.status).toBe(422);
    expect(refused.contentType).toMatch(/application\/problem\+json/);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        path: 'campaignId',
        message: expect.stringContaining('"tell" fails without one (it reads campaign.budget)'),
      }),
    ]);
    const runs = await stack.api.get(`/api/runs?flowId=${flowId}`);
    expect(runs.body.items).toHaveLength(0);
  });
});
