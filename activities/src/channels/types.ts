/**
 * The common shape of every outbound channel: a message, a connection per channel kind, the
 * result of a delivery, and the one error type adapters throw.
 *
 * Adapters are split in two so signatures can be tested deterministically:
 * - `build<X>Request(connection, message, now, idempotencyKey)` is pure and returns the exact
 *   HTTP request (URL, headers, body) that would be sent at `now`;
 * - `send<X>(connection, message, opts)` builds the request at the current time, performs it
 *   with a timeout and maps the provider's answer to a `DeliveryResult` or a `ChannelError`.
 *
 * Nothing here depends on Temporal: the activity layer turns a `ChannelError` into an
 * `ApplicationFailure` (retryable or not) with the provider's message.
 */

import type { OutboundGuard } from '../outbound/guard.ts';
import type { MESSAGE_KINDS } from './catalogue.ts';

/** The kinds channel adapters send to: the catalogue's message kinds. */
export type ChannelKind = (typeof MESSAGE_KINDS)[number];

export interface ChannelMessage {
  /** Heading. Used where the format has one (DingTalk markdown title, Feishu post/card, Slack header). */
  title?: string;
  /** Plain text. Always required: it is the fallback wherever markdown is not rendered. */
  text: string;
  /** Markdown body, sent instead of `text` by channels that render markdown. */
  markdown?: string;
  /**
   * Recipients. For SMS: exactly one phone number in E.164 form (one call per recipient, so the
   * idempotency key can name the recipient). For chat: mentions, each a phone number, a
   * platform user id, or `@all`.
   */
  to?: string[];
}

export interface WeComConnection {
  kind: 'wecom';
  /** `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`. The key is the only credential. */
  webhookUrl: string;
}

export interface FeishuConnection {
  kind: 'feishu';
  /** `https://open.feishu.cn/open-apis/bot/v2/hook/…` (or the Lark equivalent). */
  webhookUrl: string;
  /** Signing secret ("signature verification" in the bot's security settings), if enabled. */
  secret?: string;
}

export interface DingTalkConnection {
  kind: 'dingtalk';
  /** `https://oapi.dingtalk.com/robot/send?access_token=…`. */
  webhookUrl: string;
  /** The `SEC…` secret of the "加签" security setting, if enabled. */
  secret?: string;
}

export interface SlackConnection {
  kind: 'slack';
  /** `https://hooks.slack.com/services/T…/B…/…`. */
  webhookUrl: string;
}

export interface TwilioSmsConnection {
  kind: 'sms';
  provider: 'twilio';
  accountSid: string;
  authToken: string;
  /** Sender number (E.164) or alphanumeric sender id. One of `from` / `messagingServiceSid` is required. */
  from?: string;
  messagingServiceSid?: string;
  /** Defaults to `https://api.twilio.com`; tests point it at a local receiver. */
  baseUrl?: string;
}

export interface AliyunSmsConnection {
  kind: 'sms';
  provider: 'aliyun';
  accessKeyId: string;
  accessKeySecret: string;
  /** The approved signature (签名) and template (模板) the message goes out under. */
  signName: string;
  templateCode: string;
  /** The template variable that carries the message text. Default `content`. */
  templateParam?: string;
  /** Defaults to `https://dysmsapi.aliyuncs.com`; tests point it at a local receiver. */
  baseUrl?: string;
}

export interface TencentSmsConnection {
  kind: 'sms';
  provider: 'tencent';
  secretId: string;
  secretKey: string;
  smsSdkAppId: string;
  signName: string;
  /** The approved template; the message text is its one parameter. */
  templateId: string;
  /** Default `ap-guangzhou`. */
  region?: string;
  /** Defaults to `https://sms.tencentcloudapi.com`; tests point it at a local receiver. */
  baseUrl?: string;
}

/** Every SMS provider's connection. */
export type SmsConnection = TwilioSmsConnection | AliyunSmsConnection | TencentSmsConnection;

export interface WebhookConnection {
  kind: 'webhook';
  url: string;
  /** Standard Webhooks signing secret: `whsec_` + base64 of 24–64 random bytes. */
  secret: string;
  /** Extra static headers (for example an API key the receiver expects). */
  headers?: Record<string, string>;
}

export type ChannelConnection =
  WeComConnection | FeishuConnection | DingTalkConnection | SlackConnection | SmsConnection | WebhookConnection;

/** The exact request an adapter sends. `body` is the serialized bytes that were signed. */
export interface HttpRequestSpec {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export interface DeliveryResult {
  /** HTTP status of the provider's answer. */
  status: number;
  /** The provider's id for the message, where it returns one (Twilio `sid`, …). */
  providerMessageId?: string;
  /** The provider's answer, parsed as JSON when it is JSON, else text. */
  body: unknown;
}

export interface SendOptions {
  /** Run + node + recipient. Carried on every request where the receiver can use it. */
  idempotencyKey: string;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  /** Clock (ms since epoch) used for timestamps and signatures. Default `Date.now`. */
  now?: () => number;
  /** Cancellation from the caller (e.g. Temporal's activity cancellation signal). */
  signal?: AbortSignal;
  /** Where requests may go. Default: public addresses only (see `outbound/guard.ts`). */
  outbound?: OutboundGuard;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface ChannelErrorInit {
  channel: ChannelKind;
  retryable: boolean;
  /** HTTP status; absent when no answer arrived (timeout, network error) or the request was never sent. */
  status?: number;
  /** The platform's own error code (`errcode`, `code`, Slack's error string…). */
  providerCode?: string | number;
  /** The platform's own error message, verbatim. */
  providerMessage: string;
  /** When the provider says how long to wait (Retry-After, documented lock-out periods). */
  retryAfterMs?: number;
  body?: unknown;
  cause?: unknown;
}

/**
 * A failed delivery. `retryable` tells the caller whether trying again can help:
 * - not retryable: 4xx (except 408/429), platform error codes meaning "bad request",
 *   bad signature, unknown webhook, invalid recipient, content too long;
 * - retryable: 5xx, 408, 429, platform rate-limit / "system busy" codes, timeouts, network errors.
 */
export class ChannelError extends Error {
  readonly channel: ChannelKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly providerCode?: string | number;
  readonly providerMessage: string;
  readonly retryAfterMs?: number;
  readonly body?: unknown;

  constructor(init: ChannelErrorInit) {
    const where =
      init.status === undefined ? '' : ` (HTTP ${init.status}${init.providerCode === undefined ? '' : `, code ${init.providerCode}`})`;
    const codeOnly = init.status === undefined && init.providerCode !== undefined ? ` (code ${init.providerCode})` : '';
    super(`${init.channel}: ${init.providerMessage}${where}${codeOnly}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ChannelError';
    this.channel = init.channel;
    this.retryable = init.retryable;
    this.status = init.status;
    this.providerCode = init.providerCode;
    this.providerMessage = init.providerMessage;
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body;
  }

  /** Plain data for logs and Temporal failure details. */
  toJSON() {
    return {
      channel: this.channel,
      retryable: this.retryable,
      status: this.status,
      providerCode: this.providerCode,
      providerMessage: this.providerMessage,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/** An adapter as the registry lists it. */
export interface ChannelAdapter<C extends ChannelConnection> {
  kind: ChannelKind;
  label: string;
  description: string;
  /** The provider's documented limit, in messages per minute per connection, where documented. */
  ratePerMinute?: number;
  /** Where the message format, signature and limits come from. */
  docs: string[];
  send(connection: C, message: ChannelMessage, opts: SendOptions): Promise<DeliveryResult>;
}
