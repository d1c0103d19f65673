import { z } from 'zod';
import { safeJsonSchema } from '../json.ts';
import { defineNode } from './define.ts';

export const webhookTrigger = defineNode({
  type: 'trigger.webhook',
  family: 'trigger',
  configSchema: () =>
    z.strictObject({
      sampleInput: safeJsonSchema().default({}).meta({ widget: 'json' }),
    }),
  handles: () => ['next'],
  hasInput: false,
  editor: { icon: '⚡', color: '#2563eb', defaultConfig: { sampleInput: { event: 'order.paid' } } },
  text: {
    en: {
      title: 'Webhook / event trigger',
      description:
        'Starts a run when a signed event is POSTed to /api/hooks/<flow id>. A redelivered event (same webhook-id) starts nothing new.',
      fields: { sampleInput: { label: 'Sample event', help: 'The event body is the run input: read it as input.*' } },
      handles: { next: 'next' },
    },
    'zh-CN': {
      title: 'Webhook / 事件触发',
      description: '向 /api/hooks/<流程 id> 提交带签名的事件时启动运行；重复投递（相同 webhook-id）不会再次启动。',
      fields: { sampleInput: { label: '示例事件', help: '事件正文即运行输入，以 input.* 读取' } },
      handles: { next: '下一步' },
    },
  },
  docs:
    'Signed the Standard Webhooks way: headers webhook-id, webhook-timestamp (seconds, within 5 minutes) and webhook-signature ' +
    '("v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" with the flow\'s hook secret). Answers 202 with the run id.',
  async execute() {
    return { handle: 'next' };
  },
});
