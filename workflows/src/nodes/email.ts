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

export const email = defineNode({
  type: 'channel.email',
  family: 'channel',
  configSchema: () =>
    z
      .strictObject({
        connection: z
          .uuid()
          .optional()
          .meta({
            widget: 'connection',
            connectionKinds: ['email'],
            description: "An e-mail (SMTP) connection; empty uses the server's SMTP_URL",
          }),
        ...recipientFields(),
        subject: message(300).min(1),
        text: message(20_000).min(1).meta({ widget: 'message' }),
        html: message(100_000, 'html')
          .optional()
          .meta({ description: 'The HTML part; every {{ output }} is HTML-escaped. Empty: the text, escaped, as HTML.' }),
        timeout: durationSchema().default('1m'),
        retry: retrySchema().default({ maximumAttempts: 5, initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' }),
      })
      .refine((c) => !!c.to || c.people.length > 0 || c.owner, {
        message: schemaMessage('email_who'),
        path: ['to'],
      }),
  handles: () => ['sent', 'failed'],
  hasInput: true,
  editor: {
    icon: '✉',
    color: '#0d9488',
    defaultConfig: { owner: true, subject: '{{ campaign.name }}', text: 'Hello {{ recipient.name }},' },
  },
  text: {
    en: {
      title: 'Send e-mail',
      description:
        'Sends an e-mail (text and HTML parts) to each recipient through SMTP, once per recipient even across retries and restarts.',
      fields: {
        connection: { label: 'SMTP connection' },
        to: { label: 'To (addresses)' },
        people: { label: 'People' },
        owner: { label: 'Campaign owner' },
        subject: { label: 'Subject' },
        text: { label: 'Text' },
        html: { label: 'HTML' },
        timeout: { label: 'Timeout per attempt' },
        retry: { label: 'Retry policy' },
      },
      handles: { sent: 'sent', failed: 'failed' },
    },
    'zh-CN': {
      title: '发送邮件',
      description: '通过 SMTP 向每位收件人发送邮件（纯文本与 HTML），重试或重启也只发送一次。',
      fields: {
        connection: { label: 'SMTP 连接' },
        to: { label: '收件人地址' },
        people: { label: '人员' },
        owner: { label: '活动负责人' },
        subject: { label: '主题' },
        text: { label: '正文' },
        html: { label: 'HTML' },
        timeout: { label: '单次超时' },
        retry: { label: '重试策略' },
      },
      handles: { sent: '已发送', failed: '失败' },
    },
  },
  docs:
    'Subject, text and HTML are Liquid templates over `campaign`, `run`, `metrics`, `input`, `nodes` and `recipient`; ' +
    'the HTML part escapes every output, so data never becomes markup. ' +
    'One message per recipient, each with an idempotency key (run + node + recipient). ' +
    'An SMTP 5xx rejection of the recipient takes the failed path; connection trouble is retried.',
  needsCampaign: recipientsNeedCampaign,
  expressions: (config) => [...messageExpressions(config, ['subject', 'text', 'html']), ...recipientExpressions(config)],
  async execute(ctx) {
    const { config } = ctx;
    const recipients = await resolveRecipients(ctx, config);
    if (!recipients.length) throw new Error('The e-mail has no recipients (the addresses and people resolved to no one)');
    return sendAndRoute(ctx, {
      target: config.connection ? { connectionId: config.connection } : { builtin: 'email' },
      templates: { title: config.subject, text: config.text, ...(config.html ? { html: config.html } : {}) },
      recipients,
      onlyKinds: ['email'],
      timeout: config.timeout,
      retry: config.retry,
    });
  },
});
