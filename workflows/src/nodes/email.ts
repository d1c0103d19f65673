import { z } from 'zod';
import { renderText, templateExpressions } from '../templates.ts';
import { ActivityCallError } from '../interpreter/ports.ts';
import { defineNode, type NodeExpression, type NodeResult } from './define.ts';
import { retrySchema, toRetryPolicy } from './retry.ts';

export const EMAIL_ACTIVITY = 'sendEmail';

export interface EmailRequest {
  to: string[];
  subject: string;
  text: string;
  idempotencyKey: string;
}

const template = (max: number) => z.string().min(1).max(max).meta({ widget: 'template' });

export const email = defineNode({
  type: 'channel.email',
  family: 'channel',
  configSchema: z.strictObject({
    to: template(1000).meta({ description: 'Comma-separated addresses; may use {{ campaign.owner.email }}' }),
    subject: template(300),
    text: template(20_000).meta({ widget: 'textarea' }),
    retry: retrySchema.default({ maximumAttempts: 5, initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' }),
  }),
  handles: () => ['sent', 'failed'],
  hasInput: true,
  editor: { icon: '✉', color: '#0d9488', defaultConfig: { to: '{{ campaign.owner.email }}', subject: '{{ campaign.name }}', text: 'Hello {{ campaign.owner.name }},' } },
  text: {
    en: {
      title: 'Send e-mail',
      description: 'Sends a plain-text e-mail through the configured SMTP server. Fields are templates over the campaign and the run.',
      fields: { to: { label: 'To' }, subject: { label: 'Subject' }, text: { label: 'Message' }, retry: { label: 'Retry policy' } },
      handles: { sent: 'sent', failed: 'failed' },
    },
    'zh-CN': {
      title: '发送邮件',
      description: '通过配置的 SMTP 服务器发送纯文本邮件。各字段可使用活动与运行数据的模板。',
      fields: { to: { label: '收件人' }, subject: { label: '主题' }, text: { label: '正文' }, retry: { label: '重试策略' } },
      handles: { sent: '已发送', failed: '失败' },
    },
  },
  docs: 'E-mail through SMTP. The full channel set (SMS, WeCom, Feishu, DingTalk, Slack), HTML templates and exactly-once delivery come with the channels work.',
  expressions: (config) =>
    (['to', 'subject', 'text'] as const).flatMap((k): NodeExpression[] => templateExpressions(config[k], [k]).map((t) => ({ ...t, kind: 'template' as const }))),
  async execute({ config, ports, scope, hasEdge, executionKey }): Promise<NodeResult> {
    const request: EmailRequest = {
      to: renderText(config.to, scope)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      subject: renderText(config.subject, scope),
      text: renderText(config.text, scope),
      idempotencyKey: executionKey,
    };
    if (!request.to.length) throw new Error('The "To" field rendered to no address');
    try {
      const result = await ports.callActivity<{ messageId: string }>(EMAIL_ACTIVITY, [request], { startToCloseTimeoutMs: 60_000, retry: toRetryPolicy(config.retry) });
      return { handle: 'sent', output: { to: request.to, subject: request.subject, messageId: result.messageId } };
    } catch (err) {
      if (err instanceof ActivityCallError && hasEdge('failed')) return { handle: 'failed', output: { error: err.message } };
      throw err;
    }
  },
});
