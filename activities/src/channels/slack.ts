import {
  ChannelError,
  type ChannelMessage,
  type DeliveryResult,
  type HttpRequestSpec,
  type SendOptions,
  type SlackConnection,
} from './types.ts';
import { describeBody, httpRetryable, perform, requireUrl, retryAfterMs, splitMentions } from './http.ts';

/**
 * Slack incoming webhook.
 * Docs: https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks
 *       https://docs.slack.dev/apis/web-api/rate-limits (incoming webhooks: 1 message per second, short bursts allowed)
 * - POST JSON `{"text": "…", "blocks": [...]}` to `https://hooks.slack.com/services/…`; `text` is
 *   the notification fallback when `blocks` are present. No signature: the URL is the secret.
 * - Success: HTTP 200 with the body `ok`.
 * - Errors are HTTP statuses with a short text body: 400 `invalid_payload` / `no_text` /
 *   `user_not_found`, 403 `action_prohibited` / `invalid_token`, 404 `channel_not_found` /
 *   `no_service`, 410 `channel_is_archived`, 429 rate limited (with Retry-After), 500 `rollup_error`.
 */
// The limit itself lives in the catalogue, with the kind's other facts.
export { SLACK_RATE_PER_MINUTE } from './catalogue.ts';
/** Slack truncates `text` beyond 40,000 characters; a section block's text allows 3,000. */
const SECTION_MAX_CHARS = 3000;
const HEADER_MAX_CHARS = 150;

export function buildSlackRequest(
  connection: SlackConnection,
  message: ChannelMessage,
  _now: number,
  idempotencyKey: string,
): HttpRequestSpec {
  const url = requireUrl('slack', connection.webhookUrl);
  const mentions = splitMentions(message.to);
  const at = [...(mentions.all ? ['<!channel>'] : []), ...mentions.userIds.map((id) => `<@${id}>`)].join(' ');
  const fallback = [message.title, message.text].filter(Boolean).join('\n');
  const payload: Record<string, unknown> = { text: at ? `${fallback} ${at}` : fallback };
  if (message.markdown || message.title) {
    const blocks: unknown[] = [];
    if (message.title)
      blocks.push({ type: 'header', text: { type: 'plain_text', text: clip(message.title, HEADER_MAX_CHARS), emoji: true } });
    const body = message.markdown ?? message.text;
    for (let i = 0; i < body.length; i += SECTION_MAX_CHARS) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: body.slice(i, i + SECTION_MAX_CHARS) } });
    }
    if (at) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: at }] });
    payload.blocks = blocks;
  }
  return {
    url: url.toString(),
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(payload),
  };
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export async function sendSlack(connection: SlackConnection, message: ChannelMessage, opts: SendOptions): Promise<DeliveryResult> {
  const now = opts.now?.() ?? Date.now();
  const req = buildSlackRequest(connection, message, now, opts.idempotencyKey);
  const ans = await perform('slack', req, opts);
  if (ans.status >= 200 && ans.status < 300) return { status: ans.status, body: ans.body };
  const text = typeof ans.body === 'string' ? ans.body.trim() : describeBody(ans.body);
  throw new ChannelError({
    channel: 'slack',
    retryable: httpRetryable(ans.status),
    status: ans.status,
    providerCode: /^[a-z_]+$/.test(text) ? text : undefined,
    providerMessage: text || `HTTP ${ans.status}`,
    retryAfterMs: retryAfterMs(ans.headers, now),
    body: ans.body,
  });
}
