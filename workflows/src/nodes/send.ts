import { z } from 'zod';
import { defineNode } from './define.ts';
import { retrySchema } from './retry.ts';
import { durationSchema } from '../duration.ts';
import {
  message,
  messageExpressions,
  recipientExpressions,
  recipientFields,
  recipientsNeedCampaign,
  resolveRecipients,
  sendAndRoute,
} from './deliver.ts';
import { schemaMessage } from '../problem-text.ts';

export const send = defineNode({
  type: 'channel.send',
  family: 'channel',
  configSchema: () =>
    z.strictObject({
      connection: z.uuid({ message: schemaMessage('choose_connection') }).meta({ widget: 'connection' }),
      title: message(200).optional(),
      text: message(4000).min(1),
      markdown: message(4000).optional(),
      ...recipientFields(),
      timeout: durationSchema().default('30s').meta({
        description: "How long one attempt may take before Temporal tries again (also how soon a crashed worker's send is retried)",
      }),
      retry: retrySchema().default({ maximumAttempts: 5, initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m' }),
    }),
  handles: () => ['sent', 'failed'],
  hasInput: true,
  editor: {
    icon: '📣',
    color: '#0d9488',
    defaultConfig: { connection: '00000000-0000-4000-8000-000000000000', text: '{{ campaign.name }} is live' },
  },
  text: {
    en: {
      title: 'Send message',
      description:
        'Sends through a channel connection (WeCom, Feishu, DingTalk, Slack, SMS, signed webhook). ' +
        'Each message goes out once, even across retries and restarts; quiet hours and rate limits hold it, never drop it.',
      fields: {
        connection: { label: 'Connection' },
        title: { label: 'Title' },
        text: { label: 'Text' },
        markdown: { label: 'Markdown' },
        to: { label: 'Recipients / mentions' },
        people: { label: 'People' },
        owner: { label: 'Campaign owner' },
        timeout: { label: 'Timeout per attempt' },
        retry: { label: 'Retry policy' },
      },
      handles: { sent: 'sent', failed: 'failed' },
    },
    'zh-CN': {
      title: '发送消息',
      description:
        '通过渠道连接发送（企业微信、飞书、钉钉、Slack、短信、签名 Webhook）。每条消息只发送一次，重试或重启也不会重复；免打扰时段与频率限制只会延后，不会丢弃。',
      fields: {
        connection: { label: '连接' },
        title: { label: '标题' },
        text: { label: '正文' },
        markdown: { label: 'Markdown' },
        to: { label: '收件人 / @提醒' },
        people: { label: '人员' },
        owner: { label: '活动负责人' },
        timeout: { label: '单次超时' },
        retry: { label: '重试策略' },
      },
      handles: { sent: '已发送', failed: '失败' },
    },
  },
  docs:
    'Title, text and markdown are Liquid templates over `campaign`, `run`, `metrics`, `input`, `nodes` and `recipient`. ' +
    'Chat channels get one message that mentions the recipients (by phone or user id); SMS and webhooks get one message per recipient. ' +
    'A 5xx or a timeout is retried with backoff; a 4xx (or the platform\'s "bad request" code) ' +
    "takes the failed path with the provider's message. " +
    'Every delivery has an idempotency key (run + node + recipient) stored under a unique constraint: ' +
    'a retried activity, a killed worker or a replay never sends a delivered message again. ' +
    "Quiet hours (in the campaign's time zone), the connection's rate limit and a paused channel hold messages; " +
    'they go out when allowed, without using up retries.',
  needsCampaign: recipientsNeedCampaign,
  expressions: (config) => [...messageExpressions(config, ['title', 'text', 'markdown']), ...recipientExpressions(config)],
  async execute(ctx) {
    const { config } = ctx;
    return sendAndRoute(ctx, {
      target: { connectionId: config.connection },
      templates: {
        text: config.text,
        ...(config.title ? { title: config.title } : {}),
        ...(config.markdown ? { markdown: config.markdown } : {}),
      },
      recipients: await resolveRecipients(ctx, config),
      timeout: config.timeout,
      retry: config.retry,
    });
  },
});
