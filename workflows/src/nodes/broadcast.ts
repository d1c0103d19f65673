import { z } from 'zod';
import { defineNode } from './define.ts';
import { retrySchema } from './retry.ts';
import { durationSchema } from '../duration.ts';
import { evaluateExpression } from '../expressions.ts';
import { message, messageExpressions, sendAndRoute, type Recipient } from './deliver.ts';
import { schemaMessage } from '../problem-text.ts';

export const MAX_BROADCAST_RECIPIENTS = 100_000;

/** A list entry is an address, or an object with the fields templates read as `recipient`. */
function toRecipient(value: unknown, i: number): Recipient {
  if (typeof value === 'string' && value.trim()) return { address: value.trim() };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const str = (k: string) => (typeof v[k] === 'string' && v[k] ? { [k]: v[k] as string } : {});
    const r: Recipient = { ...str('address'), ...str('email'), ...str('phone'), ...str('name'), ...str('userId') };
    if (r.address || r.email || r.phone || r.userId) return r;
  }
  throw new Error(
    `Recipient ${i + 1} is ${JSON.stringify(value)?.slice(0, 80)}; expected an address or an object with address, email or phone`,
  );
}

export const broadcast = defineNode({
  type: 'channel.broadcast',
  family: 'channel',
  configSchema: () =>
    z.strictObject({
      connection: z.uuid({ message: schemaMessage('choose_connection') }).meta({ widget: 'connection' }),
      recipients: z.string().min(1).max(2000).meta({
        widget: 'cel',
        description: 'A CEL expression giving the list, e.g. input.recipients: addresses, or objects with address/email/phone/name',
      }),
      title: message(200).optional(),
      text: message(4000).min(1),
      batchSize: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(500)
        .meta({ description: 'Recipients per activity: 10,000 recipients in batches of 500 is 20 activities in the history, not 10,000' }),
      timeout: durationSchema().default('10m').meta({ description: 'How long one batch may take' }),
      retry: retrySchema().default({ maximumAttempts: 10, initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m' }),
    }),
  handles: () => ['sent', 'failed'],
  hasInput: true,
  editor: {
    icon: '📢',
    color: '#0d9488',
    defaultConfig: {
      connection: '00000000-0000-4000-8000-000000000000',
      recipients: 'input.recipients',
      text: 'Hi {{ recipient.name }}, {{ campaign.name }} starts today',
    },
  },
  text: {
    en: {
      title: 'Broadcast',
      description: 'Sends one personalised message to each recipient of a list (thousands), in batches, each recipient exactly once.',
      fields: {
        connection: { label: 'Connection' },
        recipients: { label: 'Recipient list (CEL)' },
        title: { label: 'Title' },
        text: { label: 'Text' },
        batchSize: { label: 'Batch size' },
        timeout: { label: 'Timeout per batch' },
        retry: { label: 'Retry policy' },
      },
      handles: { sent: 'sent', failed: 'failed' },
    },
    'zh-CN': {
      title: '群发',
      description: '按名单向每位收件人发送一条个性化消息（可达数千人），分批执行，每人只发一次。',
      fields: {
        connection: { label: '连接' },
        recipients: { label: '收件人名单 (CEL)' },
        title: { label: '标题' },
        text: { label: '正文' },
        batchSize: { label: '每批人数' },
        timeout: { label: '每批超时' },
        retry: { label: '重试策略' },
      },
      handles: { sent: '已发送', failed: '失败' },
    },
  },
  docs:
    'Each batch is one activity that sends its recipients with a ledger row each (the idempotency key is run + node + recipient), ' +
    'so a retried batch skips whoever already got the message. ' +
    'The history holds one activity per batch and only counts and failures, never a result per recipient. ' +
    'Rate limits and quiet hours hold a batch durably. ' +
    'Any failed recipient takes the failed path once every batch is done; the output counts sent and failed.',
  expressions: (config) => [
    { path: ['recipients'], source: config.recipients, kind: 'cel' as const },
    ...messageExpressions(config, ['title', 'text']),
  ],
  async execute(ctx) {
    const { config, scope } = ctx;
    const list = evaluateExpression(config.recipients, scope);
    if (!Array.isArray(list)) throw new Error(`The recipient list "${config.recipients}" gave ${typeof list}, not a list`);
    if (list.length > MAX_BROADCAST_RECIPIENTS)
      throw new Error(`The list has ${list.length} recipients; one broadcast takes at most ${MAX_BROADCAST_RECIPIENTS}`);
    return sendAndRoute(ctx, {
      target: { connectionId: config.connection },
      templates: { text: config.text, ...(config.title ? { title: config.title } : {}) },
      recipients: list.map(toRecipient),
      timeout: config.timeout,
      retry: config.retry,
      batchSize: config.batchSize,
    });
  },
});
