import { z } from 'zod';
import { renderText, templateExpressions } from '../templates.ts';
import { ActivityCallError } from '../interpreter/ports.ts';
import type { JsonValue } from '../json.ts';
import { defineNode, type NodeExpression, type NodeResult } from './define.ts';
import { retrySchema, toRetryPolicy } from './retry.ts';
import { durationMs, durationSchema } from '../duration.ts';

export const SEND_ACTIVITY = 'sendChannelMessage';

/** One delivery: the key (run + node + execution + recipient) is what makes it exactly-once. */
export interface SendRequest {
  connectionId: string;
  idempotencyKey: string;
  runId: string;
  nodeId: string;
  recipient: string;
  message: { title?: string; text: string; markdown?: string; to?: string[] };
}

export interface SendResult {
  recipient: string;
  status: 'sent';
  providerMessageId?: string;
  /** True when an earlier attempt had already delivered it, so nothing went out again. */
  deduplicated: boolean;
}

const template = (max: number) => z.string().max(max).meta({ widget: 'template' });

export const send = defineNode({
  type: 'channel.send',
  family: 'channel',
  configSchema: z.strictObject({
    connection: z.uuid({ message: 'Choose a channel connection' }).meta({ widget: 'connection' }),
    title: template(200).optional(),
    text: template(4000).min(1),
    markdown: template(4000).optional(),
    to: template(2000).optional().meta({ description: 'SMS: comma-separated phone numbers, one message each. Chat: mentions.' }),
    timeout: durationSchema.default('30s').meta({ description: 'How long one attempt may take before Temporal tries again (also how soon a crashed worker\'s send is retried)' }),
    retry: retrySchema.default({ maximumAttempts: 5, initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m' }),
  }),
  handles: () => ['sent', 'failed'],
  hasInput: true,
  editor: { icon: '📣', color: '#0d9488', defaultConfig: { connection: '00000000-0000-4000-8000-000000000000', text: '{{ campaign.name }} is live' } },
  text: {
    en: {
      title: 'Send message',
      description: 'Sends through a channel connection (WeCom, Feishu, DingTalk, Slack, SMS, signed webhook). Each message goes out once, even across retries and restarts.',
      fields: { connection: { label: 'Connection' }, title: { label: 'Title' }, text: { label: 'Text' }, markdown: { label: 'Markdown' }, to: { label: 'Recipients / mentions' }, timeout: { label: 'Timeout per attempt' }, retry: { label: 'Retry policy' } },
      handles: { sent: 'sent', failed: 'failed' },
    },
    'zh-CN': {
      title: '发送消息',
      description: '通过渠道连接发送（企业微信、飞书、钉钉、Slack、短信、签名 Webhook）。每条消息只发送一次，重试或重启也不会重复。',
      fields: { connection: { label: '连接' }, title: { label: '标题' }, text: { label: '正文' }, markdown: { label: 'Markdown' }, to: { label: '收件人 / @提醒' }, timeout: { label: '单次超时' }, retry: { label: '重试策略' } },
      handles: { sent: '已发送', failed: '失败' },
    },
  },
  docs:
    'A 5xx or a timeout is retried with backoff; a 4xx (or the platform\'s "bad request" code) takes the failed path with the provider\'s message. ' +
    'Every delivery has an idempotency key (run + node + recipient) stored under a unique constraint: a retried activity, a killed worker or a replay never sends a delivered message again.',
  expressions: (config) =>
    (['title', 'text', 'markdown', 'to'] as const).flatMap((k): NodeExpression[] => (config[k] ? templateExpressions(config[k], [k]).map((t) => ({ ...t, kind: 'template' as const })) : [])),
  async execute({ config, ports, scope, node, hasEdge, executionKey }): Promise<NodeResult> {
    const message = {
      ...(config.title ? { title: renderText(config.title, scope) } : {}),
      text: renderText(config.text, scope),
      ...(config.markdown ? { markdown: renderText(config.markdown, scope) } : {}),
    };
    const recipients = config.to ? renderText(config.to, scope).split(',').map((s) => s.trim()).filter(Boolean) : [];
    const runId = (scope.run as { id: string }).id;
    // SMS goes one message per number; chat channels get one message with the mentions.
    const perRecipient = recipients.length > 0 && recipients.every((r) => /^\+?[0-9]{6,16}$/.test(r));
    const deliveries = perRecipient ? recipients.map((r) => ({ recipient: r, to: [r] })) : [{ recipient: recipients.length ? recipients.join(',') : 'channel', to: recipients }];
    const results: SendResult[] = [];
    try {
      for (const d of deliveries) {
        results.push(
          await ports.callActivity<SendResult>(
            SEND_ACTIVITY,
            [{ connectionId: config.connection, idempotencyKey: `${executionKey}/${d.recipient}`, runId, nodeId: node.id, recipient: d.recipient, message: { ...message, ...(d.to.length ? { to: d.to } : {}) } } satisfies SendRequest],
            { startToCloseTimeoutMs: durationMs(config.timeout), retry: toRetryPolicy(config.retry) },
          ),
        );
      }
    } catch (err) {
      if (err instanceof ActivityCallError && hasEdge('failed')) return { handle: 'failed', output: { error: err.message, delivered: results as unknown as JsonValue } };
      throw err;
    }
    return { handle: 'sent', output: { deliveries: results as unknown as JsonValue } };
  },
});
