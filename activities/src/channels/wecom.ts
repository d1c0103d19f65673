import {
  ChannelError,
  type ChannelMessage,
  type DeliveryResult,
  type HttpRequestSpec,
  type SendOptions,
  type WeComConnection,
} from './types.ts';
import { describeBody, httpRetryable, perform, requireUrl, retryAfterMs, splitMentions, utf8Bytes } from './http.ts';

/**
 * WeCom (企业微信) group robot webhook.
 * Docs: https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明)
 * - POST JSON to the robot's webhook URL (`…/cgi-bin/webhook/send?key=…`); the key in the URL
 *   is the only credential, there is no signature.
 * - `{"msgtype":"text","text":{"content","mentioned_list","mentioned_mobile_list"}}` or
 *   `{"msgtype":"markdown","markdown":{"content"}}`; `<@userid>` mentions inside markdown.
 * - Text content at most 2048 bytes, markdown at most 4096 bytes (UTF-8).
 * - The answer is HTTP 200 with `{"errcode":0,"errmsg":"ok"}` on success and a non-zero
 *   `errcode` otherwise.
 * - "每个机器人发送的消息不能超过20条/分钟": 20 messages per minute per robot.
 */
// The limit itself lives in the catalogue, with the kind's other facts.
export { WECOM_RATE_PER_MINUTE } from './catalogue.ts';
export const WECOM_TEXT_MAX_BYTES = 2048;
export const WECOM_MARKDOWN_MAX_BYTES = 4096;

/** errcodes worth retrying: system busy, and the per-robot frequency limit. */
const RETRYABLE_CODES = new Set([-1, 45009, 45033]);
/** The robot's rate-limit lock-out is per minute. */
const RATE_LIMIT_WAIT_MS = 60_000;

export function buildWeComRequest(
  connection: WeComConnection,
  message: ChannelMessage,
  _now: number,
  idempotencyKey: string,
): HttpRequestSpec {
  const url = requireUrl('wecom', connection.webhookUrl);
  const mentions = splitMentions(message.to);
  let payload: unknown;
  if (message.markdown) {
    const heading = message.title ? `**${message.title}**\n` : '';
    const at = mentions.userIds.map((id) => `<@${id}>`).join(' ');
    const content = `${heading}${message.markdown}${at ? `\n${at}` : ''}`;
    ensureSize(content, WECOM_MARKDOWN_MAX_BYTES, 'markdown');
    payload = { msgtype: 'markdown', markdown: { content } };
  } else {
    const content = message.title ? `${message.title}\n${message.text}` : message.text;
    ensureSize(content, WECOM_TEXT_MAX_BYTES, 'text');
    const text: Record<string, unknown> = { content };
    const list = [...mentions.userIds, ...(mentions.all ? ['@all'] : [])];
    if (list.length) text.mentioned_list = list;
    if (mentions.mobiles.length) text.mentioned_mobile_list = mentions.mobiles;
    payload = { msgtype: 'text', text };
  }
  return {
    url: url.toString(),
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(payload),
  };
}

function ensureSize(content: string, max: number, what: string): void {
  if (!content.trim())
    throw new ChannelError({ channel: 'wecom', retryable: false, providerCode: 'empty', providerMessage: `the ${what} content is empty` });
  const n = utf8Bytes(content);
  if (n > max)
    throw new ChannelError({
      channel: 'wecom',
      retryable: false,
      providerCode: 'too_long',
      providerMessage: `the ${what} content is ${n} bytes; WeCom allows ${max}`,
    });
}

export async function sendWeCom(connection: WeComConnection, message: ChannelMessage, opts: SendOptions): Promise<DeliveryResult> {
  const now = opts.now?.() ?? Date.now();
  const req = buildWeComRequest(connection, message, now, opts.idempotencyKey);
  const ans = await perform('wecom', req, opts);
  if (ans.status < 200 || ans.status >= 300) {
    throw new ChannelError({
      channel: 'wecom',
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
      channel: 'wecom',
      retryable: false,
      status: ans.status,
      providerMessage: `unexpected answer: ${describeBody(ans.body)}`,
      body: ans.body,
    });
  }
  if (b.errcode === 0) return { status: ans.status, body: ans.body };
  const retryable = RETRYABLE_CODES.has(b.errcode);
  throw new ChannelError({
    channel: 'wecom',
    retryable,
    status: ans.status,
    providerCode: b.errcode,
    providerMessage: String(b.errmsg ?? 'unknown error'),
    retryAfterMs: b.errcode === 45009 ? RATE_LIMIT_WAIT_MS : undefined,
    body: ans.body,
  });
}
