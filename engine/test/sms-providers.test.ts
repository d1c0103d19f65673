import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';
import { startAliyunSms, startTencentSms } from '../../activities/test/channels/sms-receivers.ts';

const sendFlow = (connection: string, to: string) =>
  flow(
    [
      node('start', 'trigger.manual'),
      node('send', 'channel.send', { connection, to, text: '618 warm-up for {{ input.who }}', retry: fastRetry(3) }),
      node('done', 'control.end'),
      node('oops', 'control.end', { status: 'failed', reason: 'send failed' }),
    ],
    [edge('start', 'next', 'send'), edge('send', 'sent', 'done'), edge('send', 'failed', 'oops')],
  );

const ALIYUN = { provider: 'aliyun', signName: '飞行甲板', templateCode: 'SMS_154950909', templateParam: 'msg' };
const TENCENT = { provider: 'tencent', smsSdkAppId: '1400006666', signName: '腾讯云', templateId: '1110' };

/** SMS connections with a provider of their own: saved against its schema, sent through its signer, failures in the ledger. */
describe('SMS through Aliyun and Tencent Cloud', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack('sms-providers');
  });
  afterAll(async () => stack?.close());

  const connect = async (body: Record<string, unknown>) => {
    const r = await stack.api.post('/api/connections', { kind: 'sms', ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  const run = async (connection: string, to: string) => {
    const { flowId } = await stack.api.publishFlow(`sms ${Date.now()}`, sendFlow(connection, to));
    const runId = await stack.api.startRun(flowId, { who: 'Dana' });
    const done = await stack.api.waitForRun(runId);
    const deliveries = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body.items as { status: string; error: string | null }[];
    return { done, deliveries };
  };

  it('Aliyun: a verified send is sent; Code != "OK" is a failed delivery with the provider message', async () => {
    const rx = await startAliyunSms('LTAI-e2e', 'aliyun-e2e-secret');
    try {
      const id = await connect({
        name: 'Aliyun',
        settings: ALIYUN,
        secrets: { accessKeyId: 'LTAI-e2e', accessKeySecret: 'aliyun-e2e-secret', baseUrl: rx.base },
      });
      const ok = await run(id, '+8613800001111');
      expect(ok.done.state.nodes.send.handle).toBe('sent');
      expect(ok.deliveries.map((d) => d.status)).toEqual(['sent']);
      expect(rx.sent.map((s) => s.TemplateParam)).toEqual([{ msg: '618 warm-up for Dana' }]);

      rx.forced.push({ status: 200, body: { RequestId: 'r', Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' } });
      const bad = await run(id, '+8613800002222');
      expect(bad.done.state.nodes.send.handle).toBe('failed');
      expect(bad.deliveries).toMatchObject([{ status: 'failed', error: expect.stringContaining('非法手机号') }]);
      expect(rx.sent).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });

  it('Tencent Cloud: Response.Error is failed at once, not retried; a verified send is sent', async () => {
    const rx = await startTencentSms('AKID-e2e', 'tencent-e2e-key', '1400006666');
    try {
      const good = await connect({
        name: 'Tencent',
        settings: TENCENT,
        secrets: { secretId: 'AKID-e2e', secretKey: 'tencent-e2e-key', baseUrl: rx.base },
      });
      const ok = await run(good, '+8613800003333');
      expect(ok.deliveries.map((d) => d.status)).toEqual(['sent']);
      expect(rx.sent.map((s) => s.TemplateParamSet)).toEqual([['618 warm-up for Dana']]);

      const wrongKey = await connect({
        name: 'Tencent, wrong key',
        settings: TENCENT,
        secrets: { secretId: 'AKID-e2e', secretKey: 'nope', baseUrl: rx.base },
      });
      const before = rx.requests.length;
      const bad = await run(wrongKey, '+8613800004444');
      expect(bad.done.state.nodes.send.handle).toBe('failed');
      expect(bad.deliveries).toMatchObject([{ status: 'failed', error: expect.stringContaining('AuthFailure.SignatureFailure') }]);
      // Not retryable: one request, though the node allows three attempts.
      expect(rx.requests.length - before).toBe(1);
    } finally {
      await rx.close();
    }
  });

  it("switching a connection's provider asks for the new provider's secrets and keeps none of the old", async () => {
    const id = await connect({
      name: 'Twilio first',
      settings: { from: '+15005550006' },
      secrets: { accountSid: 'AC1', authToken: 'tok' },
    });
    const missing = await stack.api.put(`/api/connections/${id}`, { settings: TENCENT });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['secrets.secretId', 'secrets.secretKey']),
    );
    const switched = await stack.api.put(`/api/connections/${id}`, { settings: TENCENT, secrets: { secretId: 'AKID', secretKey: 'k' } });
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    expect(switched.body.secretFields.sort()).toEqual(['secretId', 'secretKey']);
  });

  it('refuses generated bad provider settings with a 400 naming the field, never a 5xx', async () => {
    const bad = fc.oneof(
      fc.constant(''),
      fc.integer(),
      fc.boolean(),
      fc.string({ minLength: 501, maxLength: 600 }),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `${s} ${s}`),
      fc.constantFrom('../etc/passwd', 'http://169.254.169.254/', 'SMS_1\nX', '模板'),
    );
    const cases = fc.oneof(
      fc.record({ provider: fc.constant('aliyun'), field: fc.constantFrom('templateCode', 'templateParam'), value: bad }),
      fc.record({ provider: fc.constant('tencent'), field: fc.constantFrom('smsSdkAppId', 'templateId', 'region'), value: bad }),
      fc.record({
        provider: fc.constant('nope'),
        field: fc.constant('provider'),
        value: fc.oneof(bad, fc.constantFrom('twilio2', 'Aliyun')),
      }),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ provider, field, value }) => {
        const base = provider === 'tencent' ? TENCENT : ALIYUN;
        const secrets = provider === 'tencent' ? { secretId: 'a', secretKey: 'b' } : { accessKeyId: 'a', accessKeySecret: 'b' };
        const r = await stack.api.post('/api/connections', { kind: 'sms', name: 'bad', settings: { ...base, [field]: value }, secrets });
        expect(r.status, JSON.stringify(r.body)).toBe(400);
        expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(`settings.${field}`);
      }),
      { numRuns: 60 },
    );
  });
});
