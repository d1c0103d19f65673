/**
 * Real HTTP against local receivers (127.0.0.1, random ports) that verify each platform's
 * signature from the received bytes, answer as the platform does, and count deliveries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChannelError,
  sendDingTalk,
  sendFeishu,
  sendSlack,
  sendSms,
  sendToChannel,
  sendWebhookChannel,
  sendWeCom,
  type ChannelConnection,
  type ChannelMessage,
  type DeliveryResult,
} from '../src/channels/index.ts';
import {
  startDingTalk,
  startFeishu,
  startSlack,
  startStandardWebhook,
  startTwilio,
  startWeCom,
  type Receiver,
} from './channels/receivers.ts';
import { createOutboundGuard } from '../src/outbound/index.ts';

/** The receivers listen on loopback, which is refused unless allowed: allowed here, by name. */
const LOCAL = createOutboundGuard({ allow: '127.0.0.1' });

const open: Receiver[] = [];
async function track<R extends Receiver>(p: Promise<R>): Promise<R> {
  const rx = await p;
  open.push(rx);
  return rx;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((rx) => rx.close()));
});

const MSG: ChannelMessage = {
  title: '618 warm-up is live',
  text: 'Campaign "618 Tmall" entered warm-up (预热).',
  markdown: '**618 Tmall** entered *warm-up* (预热).',
};
const TWO_HOURS_AGO = () => Date.now() - 2 * 3600_000;
const SECRET_WH = `whsec_${Buffer.from('flightdeck-test-signing-secret-32b').toString('base64')}`;

async function failure(p: Promise<DeliveryResult>): Promise<ChannelError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ChannelError) return err;
    throw err;
  }
  throw new Error('expected the send to fail');
}

describe('WeCom group robot', () => {
  it('delivers markdown; the receiver sees errcode 0 and one delivery per idempotency key', async () => {
    const rx = await track(startWeCom('robot-key'));
    const conn = { kind: 'wecom' as const, webhookUrl: rx.webhookUrl };
    const res = await sendWeCom(conn, MSG, { outbound: LOCAL, idempotencyKey: 'run1-launch-ops' });
    expect(res).toMatchObject({ status: 200, body: { errcode: 0, errmsg: 'ok' } });
    await sendWeCom(conn, MSG, { outbound: LOCAL, idempotencyKey: 'run1-launch-ops' }); // a retry after a lost answer
    expect(rx.requests).toHaveLength(2);
    expect(rx.deliveries).toHaveLength(1);
    expect(rx.duplicates).toBe(1);
    expect(JSON.parse(rx.deliveries[0]!.body)).toEqual({ msgtype: 'markdown', markdown: { content: `**${MSG.title}**\n${MSG.markdown}` } });
  });

  it('a wrong key is errcode 93000 in an HTTP 200: not retryable, with the provider message', async () => {
    const rx = await track(startWeCom('robot-key'));
    const err = await failure(
      sendWeCom({ kind: 'wecom', webhookUrl: rx.webhookUrl.replace('robot-key', 'other') }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' }),
    );
    expect(err).toMatchObject({ retryable: false, status: 200, providerCode: 93000 });
    expect(err.providerMessage).toMatch(/invalid webhook url/);
    expect(rx.deliveries).toHaveLength(0);
  });

  it('a 5xx is retryable', async () => {
    const rx = await track(startWeCom('robot-key'));
    rx.mode = 'error500';
    const err = await failure(sendWeCom({ kind: 'wecom', webhookUrl: rx.webhookUrl }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' }));
    expect(err).toMatchObject({ retryable: true, status: 500 });
    rx.mode = 'normal'; // the retry goes through, once
    await sendWeCom({ kind: 'wecom', webhookUrl: rx.webhookUrl }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' });
    expect(rx.deliveries).toHaveLength(1);
  });

  it('the 21st message in a minute hits the documented 20/min limit: errcode 45009, retryable after a minute', async () => {
    const rx = await track(startWeCom('robot-key'));
    const conn = { kind: 'wecom' as const, webhookUrl: rx.webhookUrl };
    for (let i = 0; i < 20; i++) await sendWeCom(conn, { text: `m${i}` }, { outbound: LOCAL, idempotencyKey: `k${i}` });
    const err = await failure(sendWeCom(conn, { text: 'm20' }, { outbound: LOCAL, idempotencyKey: 'k20' }));
    expect(err).toMatchObject({ retryable: true, providerCode: 45009, retryAfterMs: 60_000 });
    expect(rx.deliveries).toHaveLength(20);
  });
});

describe('Feishu custom bot', () => {
  it('delivers a signed card; the receiver recomputes the signature', async () => {
    const rx = await track(startFeishu('hook-token', 'feishu-secret'));
    const res = await sendFeishu({ kind: 'feishu', webhookUrl: rx.webhookUrl, secret: 'feishu-secret' }, MSG, {
      outbound: LOCAL,
      idempotencyKey: 'k1',
    });
    expect(res).toMatchObject({ status: 200, body: { code: 0, msg: 'success' } });
    expect(rx.deliveries).toHaveLength(1);
    expect(JSON.parse(rx.deliveries[0]!.body).msg_type).toBe('interactive');
  });

  it('a wrong secret is code 19021: not retryable, with the provider message', async () => {
    const rx = await track(startFeishu('hook-token', 'feishu-secret'));
    const err = await failure(
      sendFeishu({ kind: 'feishu', webhookUrl: rx.webhookUrl, secret: 'wrong' }, { text: 'x' }, { outbound: LOCAL, idempotencyKey: 'k1' }),
    );
    expect(err).toMatchObject({
      retryable: false,
      providerCode: 19021,
      providerMessage: 'sign match fail or timestamp is not within one hour from current time',
    });
    expect(rx.deliveries).toHaveLength(0);
  });

  it('a stale timestamp (over an hour old) is rejected with 19021', async () => {
    const rx = await track(startFeishu('hook-token', 'feishu-secret'));
    const err = await failure(
      sendFeishu(
        { kind: 'feishu', webhookUrl: rx.webhookUrl, secret: 'feishu-secret' },
        { text: 'x' },
        { outbound: LOCAL, idempotencyKey: 'k1', now: TWO_HOURS_AGO },
      ),
    );
    expect(err).toMatchObject({ retryable: false, providerCode: 19021 });
    expect(rx.deliveries).toHaveLength(0);
  });

  it('rate limits are retryable: code 11232 in the body, or HTTP 429 with x-ogw-ratelimit-reset', async () => {
    const rx = await track(startFeishu('hook-token', undefined));
    const conn = { kind: 'feishu' as const, webhookUrl: rx.webhookUrl };
    rx.forced.push({ status: 200, body: { code: 11232, data: {}, msg: 'frequency limited psm' } });
    expect(await failure(sendFeishu(conn, { text: 'x' }, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: true,
      providerCode: 11232,
    });
    rx.forced.push({
      status: 429,
      headers: { 'x-ogw-ratelimit-reset': '52' },
      body: { code: 99991400, msg: 'request trigger frequency limit' },
    });
    expect(await failure(sendFeishu(conn, { text: 'x' }, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: 52_000,
    });
    rx.mode = 'error500';
    expect(await failure(sendFeishu(conn, { text: 'x' }, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: true,
      status: 500,
    });
    expect(rx.deliveries).toHaveLength(0);
  });
});

describe('DingTalk custom robot', () => {
  it('delivers signed markdown; the receiver checks the URL-encoded sign', async () => {
    const rx = await track(startDingTalk('tok', 'SECdingtalk'));
    const res = await sendDingTalk(
      { kind: 'dingtalk', webhookUrl: rx.webhookUrl, secret: 'SECdingtalk' },
      { ...MSG, to: ['13800001111'] },
      { outbound: LOCAL, idempotencyKey: 'k1' },
    );
    expect(res).toMatchObject({ status: 200, body: { errcode: 0 } });
    expect(rx.deliveries).toHaveLength(1);
    expect(JSON.parse(rx.deliveries[0]!.body)).toMatchObject({ msgtype: 'markdown', at: { atMobiles: ['13800001111'] } });
  });

  it('a wrong secret is errcode 310000: not retryable, with the provider message', async () => {
    const rx = await track(startDingTalk('tok', 'SECdingtalk'));
    const err = await failure(
      sendDingTalk(
        { kind: 'dingtalk', webhookUrl: rx.webhookUrl, secret: 'SECother' },
        { text: 'x' },
        { outbound: LOCAL, idempotencyKey: 'k1' },
      ),
    );
    expect(err).toMatchObject({ retryable: false, status: 200, providerCode: 310000 });
    expect(err.providerMessage).toMatch(/^sign not match/);
  });

  it('a stale timestamp is rejected with 310000', async () => {
    const rx = await track(startDingTalk('tok', 'SECdingtalk'));
    const err = await failure(
      sendDingTalk(
        { kind: 'dingtalk', webhookUrl: rx.webhookUrl, secret: 'SECdingtalk' },
        { text: 'x' },
        { outbound: LOCAL, idempotencyKey: 'k1', now: TWO_HOURS_AGO },
      ),
    );
    expect(err).toMatchObject({ retryable: false, providerCode: 310000, providerMessage: 'invalid timestamp' });
    expect(rx.deliveries).toHaveLength(0);
  });

  it('sending too fast (130101) is retryable after the documented 10-minute lock-out; a 5xx is retryable', async () => {
    const rx = await track(startDingTalk('tok', undefined, { perMinute: 2 }));
    const conn = { kind: 'dingtalk' as const, webhookUrl: rx.webhookUrl };
    await sendDingTalk(conn, { text: 'a' }, { outbound: LOCAL, idempotencyKey: 'a' });
    await sendDingTalk(conn, { text: 'b' }, { outbound: LOCAL, idempotencyKey: 'b' });
    expect(await failure(sendDingTalk(conn, { text: 'c' }, { outbound: LOCAL, idempotencyKey: 'c' }))).toMatchObject({
      retryable: true,
      providerCode: 130101,
      retryAfterMs: 600_000,
    });
    rx.mode = 'error500';
    expect(await failure(sendDingTalk(conn, { text: 'c' }, { outbound: LOCAL, idempotencyKey: 'c' }))).toMatchObject({
      retryable: true,
      status: 500,
    });
    expect(rx.deliveries).toHaveLength(2);
  });
});

describe('Slack incoming webhook', () => {
  it('delivers; success is HTTP 200 "ok"', async () => {
    const rx = await track(startSlack());
    const res = await sendSlack({ kind: 'slack', webhookUrl: rx.webhookUrl }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' });
    expect(res).toEqual({ status: 200, body: 'ok' });
    expect(rx.deliveries).toHaveLength(1);
  });

  it("4xx answers are not retryable and carry Slack's error string", async () => {
    const rx = await track(startSlack());
    const gone = await failure(
      sendSlack({ kind: 'slack', webhookUrl: `${rx.base}/services/T0/B0/revoked` }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' }),
    );
    expect(gone).toMatchObject({ retryable: false, status: 404, providerCode: 'no_service', providerMessage: 'no_service' });
    rx.forced.push({ status: 400, body: 'invalid_payload' });
    expect(
      await failure(sendSlack({ kind: 'slack', webhookUrl: rx.webhookUrl }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' })),
    ).toMatchObject({ retryable: false, status: 400, providerCode: 'invalid_payload' });
    rx.forced.push({ status: 410, body: 'channel_is_archived' });
    expect(
      await failure(sendSlack({ kind: 'slack', webhookUrl: rx.webhookUrl }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' })),
    ).toMatchObject({ retryable: false, providerCode: 'channel_is_archived' });
    expect(rx.deliveries).toHaveLength(0);
  });

  it('429 with Retry-After and 5xx are retryable', async () => {
    const rx = await track(startSlack());
    rx.forced.push({ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' });
    expect(
      await failure(sendSlack({ kind: 'slack', webhookUrl: rx.webhookUrl }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' })),
    ).toMatchObject({ retryable: true, status: 429, retryAfterMs: 2000 });
    rx.forced.push({ status: 500, body: 'rollup_error' });
    expect(
      await failure(sendSlack({ kind: 'slack', webhookUrl: rx.webhookUrl }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' })),
    ).toMatchObject({ retryable: true, status: 500, providerCode: 'rollup_error' });
  });
});

describe('SMS through the Twilio-shaped provider', () => {
  const conn = (base: string, authToken = 'auth-token') => ({
    kind: 'sms' as const,
    provider: 'twilio' as const,
    accountSid: 'AC00000000000000000000000000000001',
    authToken,
    from: '+15005550006',
    baseUrl: base,
  });

  it('delivers one SMS; the Message sid is the provider id', async () => {
    const rx = await track(startTwilio('AC00000000000000000000000000000001', 'auth-token'));
    const res = await sendSms(
      conn(rx.base),
      { text: '618 starts at 20:00', to: ['+8613800001111'] },
      { outbound: LOCAL, idempotencyKey: 'run1-sms-+8613800001111' },
    );
    expect(res.status).toBe(201);
    expect(res.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(rx.deliveries).toHaveLength(1);
    expect(new URLSearchParams(rx.deliveries[0]!.body).get('Body')).toBe('618 starts at 20:00');
  });

  it("bad credentials (401, 20003) and a rejected recipient (400, 21610) are not retryable, with Twilio's message", async () => {
    const rx = await track(startTwilio('AC00000000000000000000000000000001', 'auth-token'));
    const auth = await failure(
      sendSms(conn(rx.base, 'wrong'), { text: 'x', to: ['+8613800001111'] }, { outbound: LOCAL, idempotencyKey: 'k1' }),
    );
    expect(auth).toMatchObject({ retryable: false, status: 401, providerCode: 20003, providerMessage: 'Authenticate' });
    rx.forced.push({
      status: 400,
      body: {
        code: 21610,
        message: 'Attempt to send to unsubscribed recipient',
        more_info: 'https://www.twilio.com/docs/errors/21610',
        status: 400,
      },
    });
    const unsub = await failure(sendSms(conn(rx.base), { text: 'x', to: ['+8613800001111'] }, { outbound: LOCAL, idempotencyKey: 'k1' }));
    expect(unsub).toMatchObject({
      retryable: false,
      status: 400,
      providerCode: 21610,
      providerMessage: 'Attempt to send to unsubscribed recipient',
    });
    expect(rx.deliveries).toHaveLength(0);
  });

  it('429 (20429) and 5xx are retryable', async () => {
    const rx = await track(startTwilio('AC00000000000000000000000000000001', 'auth-token'));
    rx.forced.push({ status: 429, headers: { 'retry-after': '1' }, body: { code: 20429, message: 'Too Many Requests', status: 429 } });
    expect(
      await failure(sendSms(conn(rx.base), { text: 'x', to: ['+8613800001111'] }, { outbound: LOCAL, idempotencyKey: 'k1' })),
    ).toMatchObject({ retryable: true, providerCode: 20429, retryAfterMs: 1000 });
    rx.mode = 'error500';
    expect(
      await failure(sendSms(conn(rx.base), { text: 'x', to: ['+8613800001111'] }, { outbound: LOCAL, idempotencyKey: 'k1' })),
    ).toMatchObject({ retryable: true, status: 500 });
  });
});

describe('generic webhook (Standard Webhooks)', () => {
  it('delivers; the receiver verifies the signature and de-duplicates by webhook-id', async () => {
    const rx = await track(startStandardWebhook(SECRET_WH));
    const conn = { kind: 'webhook' as const, url: rx.url, secret: SECRET_WH };
    const first = await sendWebhookChannel(conn, MSG, { outbound: LOCAL, idempotencyKey: 'run1_node7_ops' });
    expect(first.body).toEqual({ received: true, duplicate: false });
    const again = await sendWebhookChannel(conn, MSG, { outbound: LOCAL, idempotencyKey: 'run1_node7_ops', now: () => Date.now() + 1000 });
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(rx.deliveries).toHaveLength(1);
    expect(rx.duplicates).toBe(1);
  });

  it('a wrong secret and a stale timestamp are rejected (401, not retryable)', async () => {
    const rx = await track(startStandardWebhook(SECRET_WH));
    const other = `whsec_${Buffer.from('another-secret-of-enough-length!!').toString('base64')}`;
    expect(
      await failure(sendWebhookChannel({ kind: 'webhook', url: rx.url, secret: other }, MSG, { outbound: LOCAL, idempotencyKey: 'k1' })),
    ).toMatchObject({ retryable: false, status: 401 });
    const stale = await failure(
      sendWebhookChannel({ kind: 'webhook', url: rx.url, secret: SECRET_WH }, MSG, {
        outbound: LOCAL,
        idempotencyKey: 'k1',
        now: () => Date.now() - 10 * 60_000,
      }),
    );
    expect(stale).toMatchObject({ retryable: false, status: 401 });
    expect(stale.providerMessage).toMatch(/timestamp/);
    expect(rx.deliveries).toHaveLength(0);
  });

  it('410 Gone is final; 503 with Retry-After is retryable', async () => {
    const rx = await track(startStandardWebhook(SECRET_WH));
    const conn = { kind: 'webhook' as const, url: rx.url, secret: SECRET_WH };
    rx.forced.push({ status: 410, body: 'gone' });
    expect(await failure(sendWebhookChannel(conn, MSG, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: false,
      status: 410,
      providerCode: 'gone',
    });
    rx.forced.push({ status: 503, headers: { 'retry-after': '3' }, body: 'busy' });
    expect(await failure(sendWebhookChannel(conn, MSG, { outbound: LOCAL, idempotencyKey: 'k1' }))).toMatchObject({
      retryable: true,
      status: 503,
      retryAfterMs: 3000,
    });
    rx.forced.push({ status: 302, headers: { location: 'https://elsewhere.example/hook' }, body: '' });
    const moved = await failure(sendWebhookChannel(conn, MSG, { outbound: LOCAL, idempotencyKey: 'k1' }));
    expect(moved).toMatchObject({ retryable: false, status: 302 });
    expect(moved.providerMessage).toMatch(/elsewhere\.example/);
    expect(rx.requests).toHaveLength(3); // the redirect was not followed
  });
});

describe('no answer', () => {
  it('a receiver that never answers times out on every channel: retryable, nothing delivered', async () => {
    const [wecom, feishu, ding, slack, twilio, hook] = await Promise.all([
      track(startWeCom('k')),
      track(startFeishu('t', 's')),
      track(startDingTalk('t', 's')),
      track(startSlack()),
      track(startTwilio('AC1', 'tok')),
      track(startStandardWebhook(SECRET_WH)),
    ]);
    const connections: ChannelConnection[] = [
      { kind: 'wecom', webhookUrl: wecom.webhookUrl },
      { kind: 'feishu', webhookUrl: feishu.webhookUrl, secret: 's' },
      { kind: 'dingtalk', webhookUrl: ding.webhookUrl, secret: 's' },
      { kind: 'slack', webhookUrl: slack.webhookUrl },
      { kind: 'sms', provider: 'twilio', accountSid: 'AC1', authToken: 'tok', from: '+15005550006', baseUrl: twilio.base },
      { kind: 'webhook', url: hook.url, secret: SECRET_WH },
    ];
    const all = [wecom, feishu, ding, slack, twilio, hook];
    for (const rx of all) rx.mode = 'hang';
    // The receivers never answer, so these settle only through the 150 ms timeout (which the message names).
    const errors = await Promise.all(
      connections.map((c) =>
        failure(sendToChannel(c, { text: 'x', to: ['+8613800001111'] }, { outbound: LOCAL, idempotencyKey: 'k1', timeoutMs: 150 })),
      ),
    );
    for (const err of errors) {
      expect(err).toMatchObject({ retryable: true, providerCode: 'timeout', status: undefined });
      expect(err.providerMessage).toMatch(/no answer .* within 150 ms/);
    }
    expect(errors.map((e) => e.channel)).toEqual(['wecom', 'feishu', 'dingtalk', 'slack', 'sms', 'webhook']);
    for (const rx of all) {
      // One attempt, never retried inside the call. (On a busy machine the 150 ms may end before the receiver has
      // read the request, so it may have none.)
      expect(rx.requests.length).toBeLessThanOrEqual(1);
      expect(rx.deliveries).toHaveLength(0);
    }
  });

  it('a refused connection is a retryable network error', async () => {
    const rx = await startSlack();
    await rx.close(); // the port is now closed
    // A timeout far beyond any busy machine's delay, so the refusal is what ends it.
    const err = await failure(
      sendSlack({ kind: 'slack', webhookUrl: rx.webhookUrl }, MSG, { outbound: LOCAL, idempotencyKey: 'k1', timeoutMs: 60_000 }),
    );
    expect(err).toMatchObject({ retryable: true, providerCode: 'network', status: undefined });
  });

  it('cancellation by the caller aborts the request', async () => {
    const rx = await track(startSlack());
    rx.mode = 'hang';
    const ctrl = new AbortController();
    // Aborted once the request is in (an event, not a guess), with a timeout that cannot win the race.
    rx.onRequest = () => ctrl.abort();
    const err = await failure(
      sendSlack({ kind: 'slack', webhookUrl: rx.webhookUrl }, MSG, {
        outbound: LOCAL,
        idempotencyKey: 'k1',
        timeoutMs: 60_000,
        signal: ctrl.signal,
      }),
    );
    expect(err.providerCode).toBe('cancelled');
  });
});
