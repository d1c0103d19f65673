import { z } from 'zod';
import { defineNode } from './define.ts';
import { retrySchema } from './retry.ts';
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

export const notify = defineNode({
  type: 'channel.in_app',
  family: 'channel',
  configSchema: () =>
    z
      .strictObject({
        ...recipientFields(),
        title: message(200).min(1),
        text: message(2000).default(''),
        link: z
          .string()
          .max(500)
          .optional()
          .meta({ description: 'An app path the notification opens, e.g. /campaigns/…; empty: this run' }),
        retry: retrySchema().default({ maximumAttempts: 10, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' }),
      })
      .refine((c) => !!c.to || c.people.length > 0 || c.owner, {
        message: schemaMessage('notify_who'),
        path: ['people'],
      }),
  handles: () => ['sent', 'failed'],
  hasInput: true,
  editor: { icon: '🔔', color: '#0d9488', defaultConfig: { owner: true, title: '{{ campaign.name }}: step done' } },
  text: {
    en: {
      title: 'In-app notification',
      description: 'Puts a notification under the bell in Flightdeck for each recipient.',
      fields: {
        to: { label: 'User ids or e-mails' },
        people: { label: 'People' },
        owner: { label: 'Campaign owner' },
        title: { label: 'Title' },
        text: { label: 'Text' },
        link: { label: 'Link' },
        retry: { label: 'Retry policy' },
      },
      handles: { sent: 'sent', failed: 'failed' },
    },
    'zh-CN': {
      title: '站内通知',
      description: '在 Flightdeck 的铃铛下为每位收件人添加一条通知。',
      fields: {
        to: { label: '用户 ID 或邮箱' },
        people: { label: '人员' },
        owner: { label: '活动负责人' },
        title: { label: '标题' },
        text: { label: '正文' },
        link: { label: '链接' },
        retry: { label: '重试策略' },
      },
      handles: { sent: '已发送', failed: '失败' },
    },
  },
  docs:
    'Title and text are Liquid templates. One notification per person, once, even across retries. ' +
    'Explicit entries must be user ids or e-mails of Flightdeck users; unknown ones fail.',
  needsCampaign: recipientsNeedCampaign,
  expressions: (config) => [...messageExpressions(config, ['title', 'text']), ...recipientExpressions(config)],
  async execute(ctx) {
    const { config } = ctx;
    return sendAndRoute(ctx, {
      target: { builtin: 'in-app' },
      templates: { title: config.title, text: config.text, ...(config.link ? { link: config.link } : {}) },
      recipients: await resolveRecipients(ctx, config),
      timeout: '30s',
      retry: config.retry,
    });
  },
});
