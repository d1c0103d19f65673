/**
 * Outbound calls against a real stack: a webhook node whose URL comes from the run's input, and
 * a connection's "send test message", pointed at a loopback receiver. Without an allowlist
 * (as `npm start` runs by default) both are refused with the reason and the receiver gets
 * nothing; with the allowlist the test stack uses, the same calls reach it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, createOutboundGuard } from '@flightdeck/activities';
import type { DeliverRequest, DeliverResult } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';
import { loadConfig } from '../src/config.ts';

const REFUSED = 'Refused: 127.0.0.1 is a loopback address; allow it with FLIGHTDECK_OUTBOUND_ALLOW';

const graph = flow(
  [
    node('start', 'trigger.manual'),
    node('call', 'channel.webhook', { url: '{{ input.url }}', body: { hello: 'world' }, retry: fastRetry(3) }),
    node('ok', 'control.end'),
    node('refused', 'control.end', { status: 'completed', reason: 'took the failed path' }),
  ],
  [edge('start', 'next', 'call'), edge('call', 'sent', 'ok'), edge('call', 'failed', 'refused')],
);

describe('outbound calls', () => {
  let strict: TestStack;
  let allowed: TestStack;
  beforeAll(async () => {
    [strict, allowed] = await Promise.all([
      startStack('outbound-strict', { outbound: createOutboundGuard() }),
      startStack('outbound-allowed'),
    ]);
  });
  afterAll(async () => Promise.all([strict?.close(), allowed?.close()]));

  it('a webhook node whose URL comes from the input is refused at connect time, however loopback is written', async () => {
    const receiver = await startReceiver();
    try {
      const port = new URL(receiver.url).port;
      const { flowId } = await strict.api.publishFlow('input-url', graph);
      const spellings = [
        `http://127.0.0.1:${port}/x`,
        `http://2130706433:${port}/x`,
        `http://0177.0.0.1:${port}/x`,
        `http://127.1:${port}/x`,
        `http://[::ffff:127.0.0.1]:${port}/x`,
      ];
      for (const url of spellings) {
        const result = await strict.api.waitForRun(await strict.api.startRun(flowId, { url }));
        expect(result.state.nodes.call, url).toMatchObject({ status: 'completed', handle: 'failed' });
        expect(result.state.nodes.call.output.error, url).toContain('Refused: ');
        expect(result.state.nodes.call.output.error, url).toContain('is a loopback address; allow it with FLIGHTDECK_OUTBOUND_ALLOW');
        // Refused once, not retried: the same address would be refused again.
        expect(result.state.nodes.call.output.nonRetryable, url).toBe(true);
      }
      expect(receiver.calls).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('a name that resolves to loopback is refused too', async () => {
    const receiver = await startReceiver();
    try {
      const { flowId } = await strict.api.publishFlow('input-name', graph);
      const result = await strict.api.waitForRun(
        await strict.api.startRun(flowId, { url: `http://localhost:${new URL(receiver.url).port}/x` }),
      );
      expect(result.state.nodes.call.output.error).toContain('Refused: localhost is a loopback address');
      expect(receiver.calls).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('the same flow reaches the receiver when the allowlist names it', async () => {
    const receiver = await startReceiver();
    try {
      const { flowId } = await allowed.api.publishFlow('input-url', graph);
      const result = await allowed.api.waitForRun(await allowed.api.startRun(flowId, { url: `${receiver.url}/x` }));
      expect(result.state.nodes.call).toMatchObject({ status: 'completed', handle: 'sent', output: { status: 200 } });
      expect(receiver.calls).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('"send test message" to a loopback URL is a 422 naming the field, and nothing is sent', async () => {
    const receiver = await startReceiver(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
    try {
      const wecom = await strict.api.post('/api/connections', {
        kind: 'wecom',
        name: 'Local robot',
        secrets: { url: `${receiver.url}/cgi-bin/webhook/send?key=k` },
      });
      expect(wecom.status).toBe(201);
      const res = await strict.api.post(`/api/connections/${wecom.body.id}/test`, { text: 'hello' });
      expect(res.status).toBe(422);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.errors).toEqual([{ path: 'secrets.url', message: REFUSED, code: 'outbound_refused' }]);

      expect(receiver.calls).toHaveLength(0);

      // With the allowlist the same connection is tested for real.
      const ok = await allowed.api.post('/api/connections', {
        kind: 'wecom',
        name: 'Local robot',
        secrets: { url: `${receiver.url}/cgi-bin/webhook/send?key=k` },
      });
      const tested = await allowed.api.post(`/api/connections/${ok.body.id}/test`, { text: 'hello' });
      expect(tested).toMatchObject({ status: 200, body: { ok: true, status: 200 } });
      expect(receiver.calls).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it("channel sends in a run are refused the same way: chat, SMS provider base URL, and an e-mail connection's SMTP server", async () => {
    const receiver = await startReceiver(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
    let smtpConnections = 0;
    const smtp = createServer((socket) => {
      smtpConnections++;
      socket.end('220 localhost ESMTP\r\n');
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    try {
      const wecom = (
        await strict.api.post('/api/connections', {
          kind: 'wecom',
          name: 'Robot',
          secrets: { url: `${receiver.url}/cgi-bin/webhook/send?key=k` },
        })
      ).body.id;
      const announce = flow(
        [
          node('start', 'trigger.manual'),
          node('announce', 'channel.send', { connection: wecom, text: 'hi', retry: fastRetry(3) }),
          node('done', 'control.end'),
          node('oops', 'control.end', { status: 'completed', reason: 'send failed' }),
        ],
        [edge('start', 'next', 'announce'), edge('announce', 'sent', 'done'), edge('announce', 'failed', 'oops')],
      );
      const { flowId } = await strict.api.publishFlow('announce', announce);
      const run = await strict.api.waitForRun(await strict.api.startRun(flowId, {}));
      expect(run.state.nodes.announce.handle).toBe('failed');
      expect(JSON.stringify(run.state.nodes.announce.output)).toContain(REFUSED);

      const activities = createActivities(strict.deps);
      const deliver = async (connectionId: string, recipients: DeliverRequest['recipients']) => {
        const req: DeliverRequest = {
          target: { connectionId },
          keyPrefix: `guard-${connectionId}/send/1`,
          runId: 'run-guard',
          nodeId: 'send',
          templates: { text: 'hi', title: 'Hi' },
          variables: {},
          recipients,
          timezone: null,
          detail: true,
        };
        const env = new MockActivityEnvironment({
          attempt: 1,
          startToCloseTimeoutMs: 30_000,
          currentAttemptScheduledTimestampMs: Date.now(),
        });
        return env.run(activities.deliverMessages, req).then(
          (r) => JSON.stringify((r as DeliverResult).outcomes),
          (err: Error) => err.message,
        );
      };
      const sms = (
        await strict.api.post('/api/connections', {
          kind: 'sms',
          name: 'SMS',
          settings: { from: '+15005550006' },
          secrets: { accountSid: 'AC1', authToken: 't', baseUrl: receiver.url },
        })
      ).body.id;
      expect(await deliver(sms, [{ phone: '+8613800001111' }])).toContain(REFUSED);
      const port = (smtp.address() as { port: number }).port;
      const mail = (
        await strict.api.post('/api/connections', { kind: 'email', name: 'Team SMTP', secrets: { smtpUrl: `smtp://127.0.0.1:${port}` } })
      ).body.id;
      expect(await deliver(mail, [{ email: 'ops@example.com' }])).toContain(REFUSED);
      // Failed, not retried: the outcome is in the result, not an activity failure Temporal would retry.
      expect(await deliver(sms, [{ phone: '+8613800001112' }])).toMatch(/"status":"failed"/);
      expect(await deliver(mail, [{ email: 'ops2@example.com' }])).toMatch(/"status":"failed"/);

      expect(receiver.calls).toHaveLength(0);
      expect(smtpConnections).toBe(0);
    } finally {
      smtp.close();
      await receiver.close();
    }
  });
});

describe('FLIGHTDECK_OUTBOUND_ALLOW', () => {
  it('is read by the config, and an invalid entry stops start-up naming the variable and the entry', () => {
    const before = process.env.FLIGHTDECK_OUTBOUND_ALLOW;
    try {
      process.env.FLIGHTDECK_OUTBOUND_ALLOW = '127.0.0.1:4101,10.0.0.0/8,hooks.internal';
      expect(loadConfig().outboundAllow).toBe('127.0.0.1:4101,10.0.0.0/8,hooks.internal');
      process.env.FLIGHTDECK_OUTBOUND_ALLOW = '127.0.0.1,10.0.0.0/33';
      expect(() => loadConfig()).toThrow('FLIGHTDECK_OUTBOUND_ALLOW: "10.0.0.0/33" is not a valid CIDR range');
      delete process.env.FLIGHTDECK_OUTBOUND_ALLOW;
      expect(loadConfig().outboundAllow).toBe('');
    } finally {
      if (before === undefined) delete process.env.FLIGHTDECK_OUTBOUND_ALLOW;
      else process.env.FLIGHTDECK_OUTBOUND_ALLOW = before;
    }
  });
});
