import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '@flightdeck/activities';
import type { DeliverRequest, DeliverResult } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { startWeCom, startStandardWebhook } from '../../activities/test/channels/receivers.ts';

const fast = { maximumAttempts: 4, initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '1s' };

/** Sending through channel connections on the real stack, against local receivers that check signatures and count deliveries. */
describe('channel send', () => {
  let stack: TestStack;
  let wecom: Awaited<ReturnType<typeof startWeCom>>;
  let hook: Awaited<ReturnType<typeof startStandardWebhook>>;
  let wecomId: string;
  const WH_SECRET = 'whsec_' + Buffer.from('a signing secret of thirty two bytes!').toString('base64');

  beforeAll(async () => {
    stack = await startStack('channels');
    wecom = await startWeCom('robot-key-1');
    hook = await startStandardWebhook(WH_SECRET);
    wecomId = (await stack.api.post('/api/connections', { kind: 'wecom', name: 'Ops robot', secrets: { url: wecom.webhookUrl } })).body.id;
  });
  afterAll(async () => {
    await wecom?.close();
    await hook?.close();
    await stack?.close();
  });

  const sendFlow = (connection: string, text = 'Launch {{ input.name }} is live') =>
    flow(
      [
        node('start', 'trigger.manual'),
        node('announce', 'channel.send', { connection, title: 'Launch', text, retry: fast }),
        node('done', 'control.end'),
        node('oops', 'control.end', { status: 'completed', reason: 'send failed' }),
      ],
      [edge('start', 'next', 'announce'), edge('announce', 'sent', 'done'), edge('announce', 'failed', 'oops')],
    );

  it('announces on a WeCom group robot, once', async () => {
    const before = wecom.deliveries.length;
    const { flowId } = await stack.api.publishFlow('wecom', sendFlow(wecomId));
    const run = await stack.api.waitForRun(await stack.api.startRun(flowId, { name: '618' }));
    expect(run.state.nodes.announce).toMatchObject({ status: 'completed', handle: 'sent' });
    expect(wecom.deliveries.length - before).toBe(1);
    expect(wecom.deliveries.at(-1)!.body).toContain('Launch 618 is live');
  });

  it('a 5xx is retried with backoff and still delivers once', async () => {
    const before = wecom.deliveries.length;
    wecom.forced.push({ status: 502, body: 'bad gateway' }, { status: 503, body: 'unavailable' });
    const { flowId } = await stack.api.publishFlow('wecom retry', sendFlow(wecomId));
    const run = await stack.api.waitForRun(await stack.api.startRun(flowId, { name: 'retry' }));
    expect(run.state.nodes.announce.handle).toBe('sent');
    expect(wecom.deliveries.length - before).toBe(1);
    expect(wecom.duplicates).toBe(0);
  });

  it("a rejected message (WeCom errcode 93000) is not retried and takes the failed path with the provider's message", async () => {
    const bad = (
      await stack.api.post('/api/connections', {
        kind: 'wecom',
        name: 'Wrong key',
        secrets: { url: wecom.webhookUrl.replace('robot-key-1', 'nope') },
      })
    ).body.id;
    const requestsBefore = wecom.requests.length;
    const { flowId } = await stack.api.publishFlow('wecom bad', sendFlow(bad));
    const run = await stack.api.waitForRun(await stack.api.startRun(flowId, { name: 'x' }));
    expect(run.state.nodes.announce.handle).toBe('failed');
    expect(run.state.nodes.announce.output.error).toContain('invalid webhook url');
    expect(wecom.requests.length - requestsBefore).toBe(1);
  });

  it('a signed generic webhook verifies at the receiver', async () => {
    const id = (
      await stack.api.post('/api/connections', { kind: 'webhook', name: 'Partner', secrets: { url: `${hook.url}`, secret: WH_SECRET } })
    ).body.id;
    const before = hook.deliveries.length;
    const { flowId } = await stack.api.publishFlow('webhook channel', sendFlow(id));
    const run = await stack.api.waitForRun(await stack.api.startRun(flowId, { name: 'signed' }));
    expect(run.state.nodes.announce.handle).toBe('sent');
    expect(hook.deliveries.length - before).toBe(1);
  });

  it('the "send test message" button reports what the provider said', async () => {
    const before = wecom.deliveries.length;
    const ok = await stack.api.post(`/api/connections/${wecomId}/test`, { text: '测试消息 test message' });
    expect(ok.body).toMatchObject({ ok: true, status: 200 });
    expect(wecom.deliveries.length - before).toBe(1);
    expect(wecom.deliveries.at(-1)!.body).toContain('测试消息');
    const wrong = (
      await stack.api.post('/api/connections', {
        kind: 'wecom',
        name: 'Typo',
        secrets: { url: wecom.webhookUrl.replace('robot-key-1', 'typo') },
      })
    ).body.id;
    const refused = await stack.api.post(`/api/connections/${wrong}/test`, {});
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining('invalid webhook url') });
  });

  it('a repeated attempt with the same key (a retry after a lost completion) sends nothing again', async () => {
    // What a worker killed after the provider answered leaves behind: the ledger says sent, Temporal retries the attempt.
    const activities = createActivities(stack.deps);
    const keyPrefix = `manual-${Date.now()}/announce/1`;
    const req: DeliverRequest = {
      target: { connectionId: wecomId },
      keyPrefix,
      runId: 'run-manual',
      nodeId: 'announce',
      templates: { text: 'exactly once, please' },
      variables: {},
      recipients: [],
      timezone: null,
      detail: true,
    };
    const before = wecom.deliveries.length;
    // The mock's default attempt lasts 1 s, which a busy machine can spend before the provider answers.
    const attempt = (n: number) =>
      new MockActivityEnvironment({ attempt: n, startToCloseTimeoutMs: 60_000, currentAttemptScheduledTimestampMs: Date.now() });
    const first = (await attempt(1).run(activities.deliverMessages, req)) as DeliverResult;
    const retry = (await attempt(2).run(activities.deliverMessages, req)) as DeliverResult;
    expect(first.outcomes).toEqual([expect.objectContaining({ status: 'sent', deduplicated: false })]);
    expect(retry.outcomes).toEqual([expect.objectContaining({ status: 'sent', deduplicated: true })]);
    expect(wecom.deliveries.length - before).toBe(1);
    expect(wecom.requests.filter((r) => r.body.includes('exactly once, please'))).toHaveLength(1);
    const rows = await stack.server.db.pool.query('select status, attempts from deliveries where idempotency_key = $1', [
      `${keyPrefix}/channel`,
    ]);
    // One attempt reached the provider; the retry found the ledger row "sent" and sent nothing.
    expect(rows.rows).toEqual([{ status: 'sent', attempts: 1 }]);
  });

  it('two attempts running at once (a timed-out attempt still alive beside its retry) send once', async () => {
    // A receiver that answers only when the test lets it keeps the first attempt inside its send while the second one starts.
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    const slow = createServer((req, res) => {
      req.resume();
      req.on('end', () => void answered.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    let arrivals = 0;
    const arrived = new Promise<void>((r) => slow.on('request', () => (arrivals++, r())));
    try {
      const id = (
        await stack.api.post('/api/connections', {
          kind: 'webhook',
          name: 'Slow partner',
          secrets: { url: `http://127.0.0.1:${(slow.address() as { port: number }).port}/hook`, secret: WH_SECRET },
        })
      ).body.id;
      const activities = createActivities(stack.deps);
      const req: DeliverRequest = {
        target: { connectionId: id },
        keyPrefix: `overlap-${Date.now()}/send/1`,
        runId: 'run-overlap',
        nodeId: 'send',
        templates: { text: 'once' },
        variables: {},
        recipients: [],
        timezone: null,
        detail: true,
      };
      const env = (attempt: number) =>
        new MockActivityEnvironment({ attempt, startToCloseTimeoutMs: 30_000, currentAttemptScheduledTimestampMs: Date.now() });
      const first = env(1).run(activities.deliverMessages, req);
      await arrived;
      const second = await env(2)
        .run(activities.deliverMessages, req)
        .then(
          () => 'completed',
          (err: Error) => err.message,
        );
      answer();
      expect(second).toContain('being sent by another attempt');
      expect(((await first) as DeliverResult).outcomes[0]).toMatchObject({ status: 'sent', deduplicated: false });
      // Temporal's next retry finds it sent and sends nothing.
      expect(((await env(3).run(activities.deliverMessages, req)) as DeliverResult).outcomes[0]).toMatchObject({
        status: 'sent',
        deduplicated: true,
      });
      expect(arrivals).toBe(1);
    } finally {
      answer();
      slow.close();
    }
  });
});
