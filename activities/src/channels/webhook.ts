import { createHmac } from 'node:crypto';
import {
  ChannelError,
  type ChannelMessage,
  type DeliveryResult,
  type HttpRequestSpec,
  type SendOptions,
  type WebhookConnection,
} from './types.ts';
import { describeBody, httpRetryable, perform, requireUrl, retryAfterMs } from './http.ts';

/**
 * Generic outbound webhook, signed the Standard Webhooks way.
 * Spec: https://www.standardwebhooks.com
 *       https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 * - Headers `webhook-id` (the message id, unchanged across retries: here the idempotency key),
 *   `webhook-timestamp` (integer Unix seconds of this attempt) and `webhook-signature`
 *   (space-delimited list; symmetric entries are `v1,<base64 signature>`).
 * - Signed content `{msg_id}.{timestamp}.{payload}`, HMAC-SHA256 with the secret's bytes: the
 *   secret is serialized as `whsec_` + base64, so strip the prefix and base64-decode.
 * - Payload `{"type","timestamp","data"}`.
 * - Delivery succeeds on 2xx. Redirects are failures (update the URL instead); 410 Gone means
 *   the receiver no longer wants the webhooks; 429, 502, 504 ask to throttle; honour Retry-After.
 */
export const WEBHOOK_EVENT_TYPE = 'flightdeck.message';

export function webhookSecretBytes(secret: string): Buffer {
  const raw = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const bytes = Buffer.from(raw, 'base64');
  if (!raw || bytes.length === 0) {
    throw new ChannelError({
      channel: 'webhook',
      retryable: false,
      providerCode: 'config',
      providerMessage: 'the signing secret must be whsec_ followed by base64',
    });
  }
  return bytes;
}

/** `v1,` + base64(HMAC-SHA256(secret bytes, `${id}.${timestamp}.${body}`)). */
export function standardWebhookSignature(secret: string, msgId: string, timestampSeconds: number | string, body: string): string {
  const mac = createHmac('sha256', webhookSecretBytes(secret)).update(`${msgId}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

export function buildWebhookRequest(
  connection: WebhookConnection,
  message: ChannelMessage,
  now: number,
  idempotencyKey: string,
): HttpRequestSpec {
  const url = requireUrl('webhook', connection.url, 'webhook URL');
  // The spec warns against ids containing '.', which would make the signed content ambiguous.
  if (!idempotencyKey || idempotencyKey.includes('.') || /\s/.test(idempotencyKey)) {
    throw new ChannelError({
      channel: 'webhook',
      retryable: false,
      providerCode: 'config',
      providerMessage: 'the idempotency key (webhook-id) must be non-empty without "." or spaces',
    });
  }
  const timestamp = Math.floor(now / 1000);
  const data: Record<string, unknown> = { text: message.text };
  if (message.title !== undefined) data.title = message.title;
  if (message.markdown !== undefined) data.markdown = message.markdown;
  if (message.to !== undefined) data.to = message.to;
  const body = JSON.stringify({ type: WEBHOOK_EVENT_TYPE, timestamp: new Date(now).toISOString(), data });
  return {
    url: url.toString(),
    method: 'POST',
    headers: {
      ...(connection.headers ?? {}),
      'content-type': 'application/json',
      'user-agent': 'Flightdeck/0.1 (+webhook)',
      'webhook-id': idempotencyKey,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': standardWebhookSignature(connection.secret, idempotencyKey, timestamp, body),
      'idempotency-key': idempotencyKey,
    },
    body,
  };
}

export async function sendWebhookChannel(
  connection: WebhookConnection,
  message: ChannelMessage,
  opts: SendOptions,
): Promise<DeliveryResult> {
  const now = opts.now?.() ?? Date.now();
  const req = buildWebhookRequest(connection, message, now, opts.idempotencyKey);
  const ans = await perform('webhook', req, opts);
  if (ans.status >= 200 && ans.status < 300) return { status: ans.status, body: ans.body };
  const message_ =
    ans.status >= 300 && ans.status < 400
      ? `redirected to ${ans.headers.get('location') ?? '(no location)'}; update the webhook URL`
      : describeBody(ans.body);
  throw new ChannelError({
    channel: 'webhook',
    retryable: httpRetryable(ans.status),
    status: ans.status,
    providerCode: ans.status === 410 ? 'gone' : undefined,
    providerMessage: message_,
    retryAfterMs: retryAfterMs(ans.headers, now),
    body: ans.body,
  });
}
