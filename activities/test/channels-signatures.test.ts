/**
 * Deterministic request building: signatures against known vectors and independently
 * recomputed values, message formats, idempotency keys.
 *
 * Vectors:
 * - Standard Webhooks: the vector published in the reference JavaScript library's test suite
 *   (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works").
 * - Feishu and DingTalk publish the formula and sample code but no sample output; the literal
 *   values below were produced by running each platform's published Python sample
 *   (Feishu `gen_sign`: hmac.new(string_to_sign.encode(), digestmod=sha256); DingTalk:
 *   hmac.new(secret, string_to_sign, sha256) + quote_plus(b64encode(...))) with these inputs.
 *   The tests also recompute them here with node:crypto.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildDingTalkRequest,
  buildFeishuRequest,
  buildSlackRequest,
  buildSmsRequest,
  buildWebhookRequest,
  buildWeComRequest,
  CHANNELS,
  ChannelError,
  dingtalkSign,
  feishuSign,
  standardWebhookSignature,
  WECOM_RATE_PER_MINUTE,
} from '../src/channels/index.ts';

const NOW = Date.UTC(2025, 5, 18, 0, 0, 0); // 618, 00:00 UTC
const KEY = 'run-42_node-launch_recipient-ops';

describe('Standard Webhooks signature', () => {
  it('matches the vector published by the reference library', () => {
    expect(
      standardWebhookSignature(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    // The whsec_ prefix is only serialization: the unprefixed base64 secret signs the same.
    expect(
      standardWebhookSignature('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs exactly the body it sends, with webhook-id = the idempotency key and the timestamp in seconds', () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const req = buildWebhookRequest(
      { kind: 'webhook', url: 'https://example.com/hook', secret, headers: { 'x-api-key': 'k' } },
      { title: 'Launch', text: '618 warm-up is live' },
      NOW,
      KEY,
    );
    expect(req.headers['webhook-id']).toBe(KEY);
    expect(req.headers['idempotency-key']).toBe(KEY);
    expect(req.headers['webhook-timestamp']).toBe(String(NOW / 1000));
    expect(req.headers['x-api-key']).toBe('k');
    const expected = createHmac('sha256', Buffer.from('0123456789abcdef0123456789abcdef'))
      .update(`${KEY}.${NOW / 1000}.${req.body}`)
      .digest('base64');
    expect(req.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(JSON.parse(req.body)).toEqual({
      type: 'flightdeck.message',
      timestamp: new Date(NOW).toISOString(),
      data: { title: 'Launch', text: '618 warm-up is live' },
    });
  });

  it('refuses ids that would make the signed content ambiguous', () => {
    const secret = `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`;
    expect(() => buildWebhookRequest({ kind: 'webhook', url: 'https://example.com', secret }, { text: 'x' }, NOW, 'a.b')).toThrow(
      ChannelError,
    );
  });
});

describe('Feishu signature', () => {
  it("matches the value from Feishu's published Python sample (timestamp from the docs example)", () => {
    expect(feishuSign(1599360473, 'demo-feishu-secret')).toBe('I14G+BylJBIS1VqI4nUg1mKqMAjMGZlFJGT36IJRUr8=');
  });

  it('is HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message, timestamp in seconds, in the body', () => {
    const secret = 'nIMtb7r3N9pkXyXdtAbx6e';
    const req = buildFeishuRequest(
      { kind: 'feishu', webhookUrl: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc', secret },
      { text: 'hello' },
      NOW + 999,
      KEY,
    );
    const body = JSON.parse(req.body);
    expect(body.timestamp).toBe(String(NOW / 1000));
    const expected = createHmac('sha256', `${NOW / 1000}\n${secret}`)
      .update(Buffer.alloc(0))
      .digest('base64');
    expect(body.sign).toBe(expected);
    // Not DingTalk's scheme (key = secret, message = string): a common mix-up.
    expect(body.sign).not.toBe(
      createHmac('sha256', secret)
        .update(`${NOW / 1000}\n${secret}`)
        .digest('base64'),
    );
    expect(body).toMatchObject({ msg_type: 'text', content: { text: 'hello' } });
    expect(req.headers['idempotency-key']).toBe(KEY);
  });

  it('omits timestamp and sign when the bot has no secret; uses a post for titled text and a card for markdown', () => {
    const conn = { kind: 'feishu' as const, webhookUrl: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc' };
    const post = JSON.parse(buildFeishuRequest(conn, { title: '上线', text: 'line 1\nline 2', to: ['ou_123'] }, NOW, KEY).body);
    expect(post.timestamp).toBeUndefined();
    expect(post.sign).toBeUndefined();
    expect(post.msg_type).toBe('post');
    expect(post.content.post.zh_cn.title).toBe('上线');
    expect(post.content.post.zh_cn.content).toEqual([
      [{ tag: 'text', text: 'line 1' }],
      [{ tag: 'text', text: 'line 2' }],
      [{ tag: 'at', user_id: 'ou_123' }],
    ]);
    const card = JSON.parse(
      buildFeishuRequest(conn, { title: 'KPI alert', text: 'fallback', markdown: '**CTR** down 20%', to: ['@all'] }, NOW, KEY).body,
    );
    expect(card.msg_type).toBe('interactive');
    expect(card.card.header.title).toEqual({ tag: 'plain_text', content: 'KPI alert' });
    expect(card.card.elements[0]).toEqual({ tag: 'markdown', content: '**CTR** down 20%\n<at id=all></at>' });
  });

  it('refuses bodies over the documented 20 KB', () => {
    const conn = { kind: 'feishu' as const, webhookUrl: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc' };
    const err = catchError(() => buildFeishuRequest(conn, { text: '字'.repeat(8000) }, NOW, KEY));
    expect(err).toBeInstanceOf(ChannelError);
    expect(err.retryable).toBe(false);
  });
});

describe('DingTalk signature', () => {
  it("matches the value from DingTalk's published Python sample", () => {
    expect(dingtalkSign('1577262236757', 'SEC1234567890abcdefdemo')).toBe('tnW2y/BZQoBRdAl2d5jwJkw6S0Pc2x9c/VHvkdM9uyo=');
    const req = buildDingTalkRequest(
      { kind: 'dingtalk', webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=tok', secret: 'SEC1234567890abcdefdemo' },
      { text: 'hi' },
      1577262236757,
      KEY,
    );
    // quote_plus(b64) from the sample, appended after the existing access_token.
    expect(req.url).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=tok&timestamp=1577262236757&' +
        'sign=tnW2y%2FBZQoBRdAl2d5jwJkw6S0Pc2x9c%2FVHvkdM9uyo%3D',
    );
  });

  it('is urlencode(base64(HMAC-SHA256(secret, "timestamp_ms\\nsecret"))) in the query', () => {
    const secret = 'SECabcdef0123456789';
    const req = buildDingTalkRequest(
      { kind: 'dingtalk', webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=tok', secret },
      { title: '618 预热', text: 'fallback', markdown: '## Go\n- live' },
      NOW + 7,
      KEY,
    );
    const url = new URL(req.url);
    expect(url.searchParams.get('access_token')).toBe('tok');
    expect(url.searchParams.get('timestamp')).toBe(String(NOW + 7));
    const b64 = createHmac('sha256', secret)
      .update(`${NOW + 7}\n${secret}`)
      .digest('base64');
    expect(url.searchParams.get('sign')).toBe(b64);
    expect(req.url).toContain(`sign=${encodeURIComponent(b64)}`);
    expect(JSON.parse(req.body)).toEqual({ msgtype: 'markdown', markdown: { title: '618 预热', text: '### 618 预热\n\n## Go\n- live' } });
  });

  it('puts mentions in "at" and in the text, as DingTalk requires for them to highlight', () => {
    const req = buildDingTalkRequest(
      { kind: 'dingtalk', webhookUrl: 'https://oapi.dingtalk.com/robot/send?access_token=tok' },
      { text: 'please approve', to: ['13800001111', 'user123', '@all'] },
      NOW,
      KEY,
    );
    expect(new URL(req.url).searchParams.has('sign')).toBe(false);
    expect(JSON.parse(req.body)).toEqual({
      msgtype: 'text',
      text: { content: 'please approve @13800001111 @user123' },
      at: { atMobiles: ['13800001111'], atUserIds: ['user123'], isAtAll: true },
    });
  });
});

describe('message formats', () => {
  it('WeCom: markdown or text with mentions, the idempotency key as a header, the documented limit exported', () => {
    const conn = { kind: 'wecom' as const, webhookUrl: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-1' };
    const md = buildWeComRequest(conn, { title: 'Launch', text: 'x', markdown: '> live', to: ['zhangsan'] }, NOW, KEY);
    expect(md.url).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-1');
    expect(JSON.parse(md.body)).toEqual({ msgtype: 'markdown', markdown: { content: '**Launch**\n> live\n<@zhangsan>' } });
    expect(md.headers['idempotency-key']).toBe(KEY);
    const text = buildWeComRequest(conn, { text: 'hello', to: ['13800001111', 'lisi', '@all'] }, NOW, KEY);
    expect(JSON.parse(text.body)).toEqual({
      msgtype: 'text',
      text: { content: 'hello', mentioned_list: ['lisi', '@all'], mentioned_mobile_list: ['13800001111'] },
    });
    expect(WECOM_RATE_PER_MINUTE).toBe(20);
    const tooLong = catchError(() => buildWeComRequest(conn, { text: '字'.repeat(700) }, NOW, KEY)); // 2100 bytes > 2048
    expect(tooLong.retryable).toBe(false);
  });

  it('Slack: text fallback plus header and mrkdwn blocks', () => {
    const req = buildSlackRequest(
      { kind: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/X' },
      { title: 'Launch', text: 'fallback', markdown: '*live*', to: ['U123'] },
      NOW,
      KEY,
    );
    expect(JSON.parse(req.body)).toEqual({
      text: 'Launch\nfallback <@U123>',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Launch', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: '*live*' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '<@U123>' }] },
      ],
    });
    expect(
      JSON.parse(
        buildSlackRequest({ kind: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/X' }, { text: 'plain' }, NOW, KEY).body,
      ),
    ).toEqual({ text: 'plain' });
  });

  it('Twilio: form-encoded To/From/Body to the Messages resource with Basic auth; one recipient per call', () => {
    const conn = {
      kind: 'sms' as const,
      provider: 'twilio' as const,
      accountSid: 'AC0123',
      authToken: 'tok:en',
      from: '+15005550006',
      baseUrl: 'https://api.twilio.com/',
    };
    const req = buildSmsRequest(conn, { text: '618 starts now', to: ['+86 138 0000 1111'] }, NOW, KEY);
    expect(req.url).toBe('https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('AC0123:tok:en').toString('base64')}`);
    expect(req.headers['idempotency-key']).toBe(KEY);
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      To: '+8613800001111',
      From: '+15005550006',
      Body: '618 starts now',
    });
    expect(catchError(() => buildSmsRequest(conn, { text: 'x', to: ['+8613800001111', '+8613800002222'] }, NOW, KEY)).retryable).toBe(
      false,
    );
    expect(catchError(() => buildSmsRequest(conn, { text: 'x', to: ['12345'] }, NOW, KEY)).providerCode).toBe('invalid_to');
  });

  it('the registry lists every kind with its documented limit and docs', () => {
    expect(Object.keys(CHANNELS).sort()).toEqual(['dingtalk', 'feishu', 'slack', 'sms', 'webhook', 'wecom']);
    expect(CHANNELS.wecom.ratePerMinute).toBe(20);
    expect(CHANNELS.dingtalk.ratePerMinute).toBe(20);
    expect(CHANNELS.feishu.ratePerMinute).toBe(100);
    expect(CHANNELS.slack.ratePerMinute).toBe(60);
    expect(CHANNELS.sms.ratePerMinute).toBeUndefined();
    for (const adapter of Object.values(CHANNELS)) {
      expect(typeof adapter.send).toBe('function');
      expect(adapter.docs.length).toBeGreaterThan(0);
      expect(adapter.description.length).toBeGreaterThan(20);
    }
  });
});

function catchError(fn: () => unknown): ChannelError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ChannelError) return err;
    throw err;
  }
  throw new Error('expected a ChannelError');
}
