import { createHmac } from 'node:crypto';
import {
  ChannelError,
  type ChannelMessage,
  type DeliveryResult,
  type FeishuConnection,
  type HttpRequestSpec,
  type SendOptions,
} from './types.ts';
import { describeBody, httpRetryable, perform, requireUrl, retryAfterMs, splitMentions, utf8Bytes } from './http.ts';

/**
 * Feishu / Lark custom bot (自定义机器人).
 * Docs: https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 *       (also https://open.larkoffice.com/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN)
 * - POST JSON to `…/open-apis/bot/v2/hook/<token>`.
 * - Signature verification ("签名校验"): "timestamp + "\n" + 密钥 当做签名字符串，使用 HmacSHA256
 *   算法计算签名，再进行 Base64 编码". The official samples use that string as the HMAC *key*
 *   over an empty message (Java `new SecretKeySpec(stringToSign…)`, `doFinal(new byte[]{})`;
 *   Go `hmac.New(sha256.New, []byte(stringToSign))` with no data written). `timestamp` is in
 *   seconds and must be within one hour of Feishu's clock; both go in the body as
 *   `{"timestamp":"…","sign":"…", …}`.
 * - Messages: `{"msg_type":"text","content":{"text"}}`, `{"msg_type":"post","content":{"post":{…}}}`
 *   or `{"msg_type":"interactive","card":{…}}` (cards render markdown).
 * - Success: `{"code":0,"msg":"success","data":{}}` (older bots answer `{"StatusCode":0,…}`).
 *   19021 "sign match fail or timestamp is not within one hour from current time", 19022 IP
 *   not allowed, 19024 keyword not found, 9499 bad request; 11232 is the rate-limit error.
 * - Limit: 100 requests per minute and 5 per second per bot; request body at most 20 KB.
 */
// The limit itself lives in the catalogue, with the kind's other facts.
export { FEISHU_RATE_PER_MINUTE } from './catalogue.ts';
export const FEISHU_RATE_PER_SECOND = 5;
export const FEISHU_MAX_BODY_BYTES = 20 * 1024;

/** 11232: custom-bot frequency limit; 99991400: the open platform's generic rate limit. */
const RETRYABLE_CODES = new Set([11232, 99991400]);

/** `base64(HMAC-SHA256(key = "<timestamp>\n<secret>", message = ""))`, timestamp in seconds. */
export function feishuSign(timestampSeconds: number | string, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

export function buildFeishuRequest(
  connection: FeishuConnection,
  message: ChannelMessage,
  now: number,
  idempotencyKey: string,
): HttpRequestSpec {
  const url = requireUrl('feishu', connection.webhookUrl);
  const mentions = splitMentions(message.to);
  const payload: Record<string, unknown> = {};
  if (connection.secret) {
    const timestamp = String(Math.floor(now / 1000));
    payload.timestamp = timestamp;
    payload.sign = feishuSign(timestamp, connection.secret);
  }
  if (message.markdown) {
    // A card with one markdown element; `<at id=…></at>` mentions are card markdown syntax.
    const at = [...(mentions.all ? ['<at id=all></at>'] : []), ...mentions.userIds.map((id) => `<at id=${id}></at>`)].join(' ');
    const card: Record<string, unknown> = {
      config: { wide_screen_mode: true },
      elements: [{ tag: 'markdown', content: at ? `${message.markdown}\n${at}` : message.markdown }],
    };
    if (message.title) card.header = { title: { tag: 'plain_text', content: message.title }, template: 'blue' };
    payload.msg_type = 'interactive';
    payload.card = card;
  } else if (message.title) {
    const lines: Array<Array<Record<string, string>>> = message.text.split('\n').map((line) => [{ tag: 'text', text: line }]);
    const at = [...(mentions.all ? ['all'] : []), ...mentions.userIds].map((id) => ({ tag: 'at', user_id: id }));
    if (at.length) lines.push(at);
    payload.msg_type = 'post';
    payload.content = { post: { zh_cn: { title: message.title, content: lines } } };
  } else {
    const at = [
      ...(mentions.all ? ['<at user_id="all">所有人</at>'] : []),
      ...mentions.userIds.map((id) => `<at user_id="${escapeAttr(id)}"></at>`),
    ].join(' ');
    payload.msg_type = 'text';
    payload.content = { text: at ? `${message.text} ${at}` : message.text };
  }
  const body = JSON.stringify(payload);
  const n = utf8Bytes(body);
  if (n > FEISHU_MAX_BODY_BYTES) {
    throw new ChannelError({
      channel: 'feishu',
      retryable: false,
      providerCode: 'too_long',
      providerMessage: `the request body is ${n} bytes; Feishu allows ${FEISHU_MAX_BODY_BYTES}`,
    });
  }
  return {
    url: url.toString(),
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': idempotencyKey },
    body,
  };
}

function escapeAttr(s: string): string {
  return s.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c]!);
}

export async function sendFeishu(connection: FeishuConnection, message: ChannelMessage, opts: SendOptions): Promise<DeliveryResult> {
  // The signature is computed per attempt, so a retry an hour later still carries a fresh timestamp.
  const now = opts.now?.() ?? Date.now();
  const req = buildFeishuRequest(connection, message, now, opts.idempotencyKey);
  const ans = await perform('feishu', req, opts);
  const b = (ans.body && typeof ans.body === 'object' ? ans.body : {}) as {
    code?: unknown;
    msg?: unknown;
    StatusCode?: unknown;
    StatusMessage?: unknown;
  };
  const code = typeof b.code === 'number' ? b.code : typeof b.StatusCode === 'number' ? b.StatusCode : undefined;
  const msg = String(b.msg ?? b.StatusMessage ?? describeBody(ans.body));
  const wait = retryAfterMs(ans.headers, now) ?? resetHeaderMs(ans.headers);
  if (ans.status >= 200 && ans.status < 300 && code === 0) return { status: ans.status, body: ans.body };
  if (ans.status >= 200 && ans.status < 300 && code === undefined) {
    throw new ChannelError({
      channel: 'feishu',
      retryable: false,
      status: ans.status,
      providerMessage: `unexpected answer: ${describeBody(ans.body)}`,
      body: ans.body,
    });
  }
  // Feishu answers rate limits with HTTP 429 (or 400 on older endpoints) and code 99991400.
  const retryable = httpRetryable(ans.status) || (code !== undefined && RETRYABLE_CODES.has(code));
  throw new ChannelError({
    channel: 'feishu',
    retryable,
    status: ans.status,
    providerCode: code,
    providerMessage: msg,
    retryAfterMs: wait,
    body: ans.body,
  });
}

/** `x-ogw-ratelimit-reset`: seconds until the rate-limit window resets. */
function resetHeaderMs(headers: Headers): number | undefined {
  const raw = headers.get('x-ogw-ratelimit-reset');
  const secs = raw === null ? NaN : Number(raw);
  return Number.isFinite(secs) ? Math.min(Math.max(0, secs) * 1000, 3_600_000) : undefined;
}
