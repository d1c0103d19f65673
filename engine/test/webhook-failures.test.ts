import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';

describe('webhook failures follow the retry policy and the failure path', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('webhook-fail');
  });
  afterAll(async () => stack?.close());

  const graphFor = (url: string, withFailurePath: boolean, retries = 3) =>
    flow(
      [
        node('start', 'trigger.manual'),
        node('call', 'channel.webhook', { url, body: { hello: 'world' }, retry: fastRetry(retries) }),
        node('ok', 'control.end'),
        ...(withFailurePath ? [node('notify', 'control.end', { status: 'completed', reason: 'handled the failure' })] : []),
      ],
      [edge('start', 'next', 'call'), edge('call', 'sent', 'ok'), ...(withFailurePath ? [edge('call', 'failed', 'notify')] : [])],
    );

  it('a 500 is retried and the run completes when the receiver recovers', async () => {
    const receiver = await startReceiver((_call, i) =>
      i < 2 ? { status: 500, body: { error: 'busy' } } : { status: 200, body: { accepted: true } },
    );
    try {
      const { flowId } = await stack.api.publishFlow('retry-500', graphFor(`${receiver.url}/flaky`, true));
      const result = await stack.api.waitForRun(await stack.api.startRun(flowId));
      expect(result.status).toBe('completed');
      expect(receiver.calls).toHaveLength(3);
      expect(new Set(receiver.calls.map((c) => c.headers['idempotency-key'])).size).toBe(1);
      expect(result.state.nodes.call).toMatchObject({ status: 'completed', handle: 'sent', output: { status: 200, attempt: 3 } });
      // Backoff: 100 ms then 200 ms between attempts.
      expect(receiver.calls[2]!.at - receiver.calls[0]!.at).toBeGreaterThanOrEqual(250);
    } finally {
      await receiver.close();
    }
  });

  it('a 400 is not retried and takes the failed path with the provider message', async () => {
    const receiver = await startReceiver(() => ({ status: 400, body: { error: 'missing field: title' } }));
    try {
      const { flowId } = await stack.api.publishFlow('reject-400', graphFor(`${receiver.url}/strict`, true));
      const result = await stack.api.waitForRun(await stack.api.startRun(flowId));
      expect(receiver.calls).toHaveLength(1);
      expect(result.status).toBe('completed');
      expect(result.state.nodes.call.handle).toBe('failed');
      expect(result.state.nodes.call.output.error).toContain('HTTP 400');
      expect(result.state.nodes.call.output.error).toContain('missing field: title');
      expect(result.state.nodes.call.output.nonRetryable).toBe(true);
      expect(result.state.nodes.notify.status).toBe('completed');
      expect(result.state.nodes.ok.status).toBe('skipped');
    } finally {
      await receiver.close();
    }
  });

  it('without a failure path, exhausted retries fail the run with a clear reason', async () => {
    const receiver = await startReceiver(() => ({ status: 503, body: 'down for maintenance' }));
    try {
      const { flowId } = await stack.api.publishFlow('fail-run', graphFor(`${receiver.url}/down`, false, 2));
      const result = await stack.api.waitForRun(await stack.api.startRun(flowId));
      expect(receiver.calls).toHaveLength(2);
      expect(result.status).toBe('failed');
      expect(result.reason).toMatch(/"call" failed: HTTP 503/);
      expect(result.state.nodes.call.status).toBe('failed');
      expect(result.state.nodes.ok.status).toBe('skipped');
    } finally {
      await receiver.close();
    }
  });

  it('an unreachable host is retried as a network error', async () => {
    const { flowId } = await stack.api.publishFlow('no-host', graphFor('http://127.0.0.1:9/nothing', true, 2));
    const result = await stack.api.waitForRun(await stack.api.startRun(flowId));
    expect(result.state.nodes.call.handle).toBe('failed');
    expect(result.state.nodes.call.output.error).toMatch(/failed: /);
    expect(result.state.nodes.call.output.nonRetryable).toBe(false);
  });
});
