import { createHmac } from 'node:crypto';
import {
  ChannelError,
  type ChannelMessage,
  type DeliveryResult,
  type DingTalkConnection,
  type HttpRequestSpec,
  type SendOptions,
} from './types.ts';
import { describeBody, httpRetryable, perform, requireUrl, retryAfterMs, splitMentions } from './http.ts';

/**
 * DingTalk custom robot (自定义机器人).
 * Docs: https://open.dingtalk.com/document/robots/custom-robot-access
 *       https://open.dingtalk.com/document/robots/customize-robot-security-settings (加签)
 *       https://open.dingtalk.com/document/robots/message-types-and-data-format
 * - POST JSON (UTF-8) to `https://oapi.dingtalk.com/robot/send?access_token=…`.
 * - 加签: `timestamp` is the current time in milliseconds (within one hour of DingTalk's clock);
 *   `stringToSign = timestamp + "\n" + secret`; `sign = urlEncode(base64(HmacSHA256(key = secret,
 *   message = stringToSign)))`; both are appended to the webhook URL as query parameters.
 * - Messages: `{"msgtype":"markdown","markdown":{"title","text"},"at":{"atMobiles","atUserIds","isAtAll"}}`
 *   or `{"msgtype":"text","text":{"content"},"at":{…}}`. An @mention only highlights when the
 *   content also contains `@<mobile>` / `@<userId>`.
 * - Answer: HTTP 200 with `{"errcode":0,"errmsg":"ok"}`; 310000 for a failed security check
 *   (sign not match, keyword missing, IP not allowed, invalid timestamp), 300001 for an unknown
 *   token, 130101 / 410100 when sending too fast.
 * - "每个机器人每分钟最多发送20条消息到群里，如果超过20条，会限流10分钟": 20 per minute per robot,
 *   and a 10-minute lock-out when exceeded.
 */
// The limit itself lives in the catalogue, with the kind's other facts.
export { DINGTALK_RATE_PER_MINUTE } from './catalogue.ts';
export const DINGTALK_LOCKOUT_MS = 10 * 60_000;

/** -1 system busy; 130101 / 410100 sending too fast (rate limit). */
const RETRYABLE_CODES = new Set([-1, 130101, 410100]);
const RATE_LIMIT_CODES = new Set([130101, 410100]);

/** `base64(HMAC-SHA256(key = secret, message = "<timestamp ms>\n<secret>"))`, before URL encoding. */
export function dingtalkSign(timestampMs: number | string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

export function buildDingTalkRequest(
  connection: DingTalkConnection,
  message: ChannelMessage,
  now: number,
  idempotencyKey: string,
): HttpRequestSpec {
  const url = requireUrl('dingtalk', connection.webhookUrl);
  if (connection.secret) {
    const timestamp = String(Math.floor(now));
    // URLSearchParams percent-encodes `+`, `/` and `=`: the documented urlEncode of the base64.
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('sign', dingtalkSign(timestamp, connection.secret));
  }
  const mentions = splitMentions(message.to);
  const atSuffix = [...mentions.mobiles, ...mentions.userIds].map((m) => `@${m}`).join(' ');
  const at: Record<string, unknown> = {};
  if (mentions.mobiles.length) at.atMobiles = mentions.mobiles;
  if (mentions.userIds.length) at.atUserIds = mentions.userIds;
  if (mentions.all) at.isAtAll = true;
  let payload: Record<string, unknown>;
  if (message.markdown || message.title) {
    const title = message.title ?? firstLine(message.text);
    const body = message.markdown ?? message.text;
    const text = message.title && message.markdown ? `### ${message.title}\n\n${body}` : body;
    payload = { msgtype: 'markdown', markdown: { title, text: atSuffix ? `${text}\n\n${atSuffix}` : text } };
  } else {
    payload = { msgtype: 'text', text: { content: atSuffix ? `${message.text} ${atSuffix}` : message.text } };
  }
  if (Object.keys(at).length) payload.at = at;
  if (!message.text.trim() && !message.markdown?.trim()) {
    throw new ChannelError({ channel: 'dingtalk', retryable: false, providerCode: 'empty', providerMessage: 'the message is empty' });
  }
  return {
    url: url.toString(),
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(payload),
  };
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? 'Flightdeck';
  return line.length > 64 ? `${line.slice(0, 63)}…` : line;
}

export async function sendDingTalk(connection: DingTalkConnection, message: ChannelMessage, opts: SendOptions): Promise<DeliveryResult> {
  // Signed per attempt: a retry gets a fresh timestamp.
  const now = opts.now?.() ?? Date.now();
  const req = buildDingTalkRequest(connection, message, now, opts.idempotencyKey);
  const ans = await perform('dingtalk', req, opts);
  if (ans.status < 200 || ans.status >= 300) {
    throw new ChannelError({
      channel: 'dingtalk',
      retryable: httpRetryable(ans.status),
      status: ans.status,
      providerMessage: describeBody(ans.body),
      retryAfterMs: retryAfterMs(ans.headers, now),
      body: ans.body,
    });
  }
  const b = ans.body as { errcode?: unknown; errmsg?: unknown } | undefined;
  if (!b || typeof b !== 'object' || typeof b.errcode !== 'number') {
    throw new ChannelError({
      channel: 'dingtalk',
      retryable: false,
      status: ans.status,
      providerMessage: `unexpected answer: ${describeBody(ans.body)}`,
      body: ans.body,
    });
  }
  if (b.errcode === 0) return { status: ans.status, body: ans.body };
  throw new ChannelError({
    channel: 'dingtalk',
    retryable: RETRYABLE_CODES.has(b.errcode),
    status: ans.status,
    providerCode: b.errcode,
    providerMessage: String(b.errmsg ?? 'unknown error'),
    retryAfterMs: RATE_LIMIT_CODES.has(b.errcode) ? DINGTALK_LOCKOUT_MS : undefined,
    body: ans.body,
  });
}
