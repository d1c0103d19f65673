import { sendWeCom } from './wecom.ts';
import { sendFeishu } from './feishu.ts';
import { sendDingTalk } from './dingtalk.ts';
import { sendSlack } from './slack.ts';
import { sendSms } from './sms.ts';
import { sendWebhookChannel } from './webhook.ts';
import type { ChannelAdapter, ChannelConnection, ChannelKind, ChannelMessage, DeliveryResult, SendOptions } from './types.ts';
import { CHANNEL_CATALOGUE } from './catalogue.ts';

type ConnectionOf<K extends ChannelKind> = Extract<ChannelConnection, { kind: K }>;

/**
 * Every chat/SMS/webhook channel: how to send and where the format is documented. The label and
 * rate limit come from the catalogue; the mapped type asks for an adapter for each message kind.
 */
export const CHANNELS: { [K in ChannelKind]: ChannelAdapter<ConnectionOf<K>> } = {
  wecom: {
    kind: 'wecom',
    label: CHANNEL_CATALOGUE.wecom.label,
    description:
      'Posts text or markdown to a WeCom group through the robot webhook. ' +
      'The key in the URL is the credential; mentions by user id or mobile.',
    ratePerMinute: CHANNEL_CATALOGUE.wecom.ratePerMinute,
    docs: ['https://developer.work.weixin.qq.com/document/path/91770'],
    send: sendWeCom,
  },
  feishu: {
    kind: 'feishu',
    label: CHANNEL_CATALOGUE.feishu.label,
    description:
      'Posts text, rich text (post) or a markdown card to a Feishu group, ' +
      'signed with the bot secret (HMAC-SHA256 of timestamp and secret).',
    ratePerMinute: CHANNEL_CATALOGUE.feishu.ratePerMinute,
    docs: ['https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot'],
    send: sendFeishu,
  },
  dingtalk: {
    kind: 'dingtalk',
    label: CHANNEL_CATALOGUE.dingtalk.label,
    description:
      'Posts text or markdown to a DingTalk group; with 加签 the URL carries a millisecond timestamp and an HMAC-SHA256 sign. ' +
      'Exceeding the limit locks the robot for 10 minutes.',
    ratePerMinute: CHANNEL_CATALOGUE.dingtalk.ratePerMinute,
    docs: [
      'https://open.dingtalk.com/document/robots/custom-robot-access',
      'https://open.dingtalk.com/document/robots/customize-robot-security-settings',
    ],
    send: sendDingTalk,
  },
  slack: {
    kind: 'slack',
    label: CHANNEL_CATALOGUE.slack.label,
    description: 'Posts text with Block Kit blocks (header, mrkdwn sections) to the channel the webhook was created for.',
    ratePerMinute: CHANNEL_CATALOGUE.slack.ratePerMinute,
    docs: ['https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks', 'https://docs.slack.dev/apis/web-api/rate-limits'],
    send: sendSlack,
  },
  sms: {
    kind: 'sms',
    label: CHANNEL_CATALOGUE.sms.label,
    description:
      "Sends one SMS to one recipient through the connection's provider: Twilio (free text), " +
      'Aliyun SMS (SendSms, HMAC-SHA1 RPC signature) or Tencent Cloud SMS (SendSms, TC3-HMAC-SHA256), both with an approved template.',
    docs: [
      'https://www.twilio.com/docs/messaging/api/message-resource',
      'https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms',
      'https://cloud.tencent.com/document/api/382/55981',
    ],
    send: sendSms,
  },
  webhook: {
    kind: 'webhook',
    label: CHANNEL_CATALOGUE.webhook.label,
    description:
      'POSTs a JSON event signed with HMAC-SHA256 over id, timestamp and body (webhook-id / webhook-timestamp / webhook-signature); ' +
      'webhook-id is the idempotency key.',
    docs: ['https://www.standardwebhooks.com'],
    send: sendWebhookChannel,
  },
};

/** Sends through the adapter the connection's kind names. */
export async function sendToChannel(connection: ChannelConnection, message: ChannelMessage, opts: SendOptions): Promise<DeliveryResult> {
  const adapter = CHANNELS[connection.kind] as ChannelAdapter<ChannelConnection> | undefined;
  if (!adapter) throw new Error(`unknown channel kind "${(connection as { kind: string }).kind}"`);
  return adapter.send(connection, message, opts);
}

export * from './types.ts';
export * from './catalogue.ts';
export { buildWeComRequest, sendWeCom, WECOM_RATE_PER_MINUTE, WECOM_TEXT_MAX_BYTES, WECOM_MARKDOWN_MAX_BYTES } from './wecom.ts';
export {
  buildFeishuRequest,
  feishuSign,
  sendFeishu,
  FEISHU_RATE_PER_MINUTE,
  FEISHU_RATE_PER_SECOND,
  FEISHU_MAX_BODY_BYTES,
} from './feishu.ts';
export { buildDingTalkRequest, dingtalkSign, sendDingTalk, DINGTALK_RATE_PER_MINUTE, DINGTALK_LOCKOUT_MS } from './dingtalk.ts';
export { buildSlackRequest, sendSlack, SLACK_RATE_PER_MINUTE } from './slack.ts';
export {
  buildSmsRequest,
  buildTwilioRequest,
  sendSms,
  smsFromMessage,
  twilioProvider,
  SMS_PROVIDERS,
  TWILIO_BODY_MAX_CHARS,
  type SmsMessage,
  type SmsProvider,
} from './sms.ts';
export {
  aliyunCanonicalQuery,
  aliyunPercentEncode,
  aliyunProvider,
  aliyunSignature,
  aliyunStringToSign,
  buildAliyunRequest,
} from './sms-aliyun.ts';
export {
  buildTencentRequest,
  tc3Authorization,
  tc3CanonicalRequest,
  tc3Signature,
  tc3StringToSign,
  tencentProvider,
  type Tc3Input,
} from './sms-tencent.ts';
export { buildWebhookRequest, sendWebhookChannel, standardWebhookSignature, webhookSecretBytes, WEBHOOK_EVENT_TYPE } from './webhook.ts';
