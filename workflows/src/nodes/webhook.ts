import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { durationMs, durationSchema } from '../duration.ts';
import { safeJsonSchema, type JsonValue } from '../json.ts';
import { renderTemplate, renderText, templateExpressions } from '../templates.ts';
import { ActivityCallError } from '../interpreter/ports.ts';
import { defineNode, type NodeExpression } from './define.ts';
import { retrySchema, toRetryPolicy } from './retry.ts';
import type { ActivityName } from '../activities.ts';
import { schemaMessage } from '../problem-text.ts';

/** The request the webhook activity receives; the activity lives in activities/, this is its contract. */
export interface WebhookRequest {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body: JsonValue;
  timeoutMs: number;
  idempotencyKey: string;
}

export interface WebhookResponse {
  status: number;
  body: JsonValue;
  attempt: number;
  durationMs: number;
}

export const WEBHOOK_ACTIVITY = 'sendWebhook' satisfies ActivityName;

const headerName = lazily(() => z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, schemaMessage('header_name')));

export const webhook = defineNode({
  type: 'channel.webhook',
  family: 'channel',
  configSchema: () =>
    z.strictObject({
      url: z
        .string()
        .min(1)
        .max(2000)
        .refine((u) => u.includes('{{') || /^https?:\/\/[^\s]+$/i.test(u), schemaMessage('http_url'))
        .meta({ widget: 'template' }),
      method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
      headers: z.record(headerName(), z.string().max(2000)).default({}).meta({ widget: 'json' }),
      body: safeJsonSchema().default({}).meta({ widget: 'json-template' }),
      timeout: durationSchema().default('10s'),
      retry: retrySchema().default({ maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' }),
    }),
  handles: () => ['sent', 'failed'],
  hasInput: true,
  editor: {
    icon: '⇄',
    color: '#059669',
    defaultConfig: { url: 'https://example.com/hook', method: 'POST', body: { run: '{{ run.id }}' } },
  },
  text: {
    en: {
      title: 'Webhook call',
      description: 'Sends an HTTP request with a templated JSON body. 5xx and timeouts are retried; 4xx takes the failed path.',
      fields: {
        url: { label: 'URL', help: 'May contain {{ expressions }}' },
        method: { label: 'Method' },
        headers: { label: 'Headers (JSON)' },
        body: { label: 'Body (JSON template)', help: 'Strings may contain {{ CEL }}; "{{ input.n }}" keeps its type' },
        timeout: { label: 'Timeout per attempt' },
        retry: { label: 'Retry policy' },
        maximumAttempts: { label: 'Maximum attempts' },
        initialInterval: { label: 'First retry after' },
        backoffCoefficient: { label: 'Backoff coefficient' },
        maximumInterval: { label: 'Longest retry interval' },
      },
      handles: { sent: 'sent', failed: 'failed' },
    },
    'zh-CN': {
      title: 'Webhook 调用',
      description: '发送带 JSON 模板正文的 HTTP 请求。5xx 与超时会重试；4xx 走失败分支。',
      fields: {
        url: { label: 'URL', help: '可包含 {{ 表达式 }}' },
        method: { label: '方法' },
        headers: { label: '请求头 (JSON)' },
        body: { label: '正文 (JSON 模板)', help: '字符串可包含 {{ CEL }}；"{{ input.n }}" 保留原类型' },
        timeout: { label: '单次超时' },
        retry: { label: '重试策略' },
        maximumAttempts: { label: '最多尝试次数' },
        initialInterval: { label: '首次重试间隔' },
        backoffCoefficient: { label: '退避系数' },
        maximumInterval: { label: '最长重试间隔' },
      },
      handles: { sent: '已发送', failed: '失败' },
    },
  },
  docs:
    'POSTs JSON to a URL. Each request carries an `Idempotency-Key` header (run + node + execution) ' +
    'so a receiver can drop a retried duplicate. ' +
    "A 5xx answer or a timeout is retried by the node's retry policy; a 4xx is final. " +
    'When retries end, the `failed` handle is taken if connected, else the run fails.',
  expressions: (config) => {
    const out: NodeExpression[] = [];
    for (const t of templateExpressions(config.url, ['url'])) out.push({ ...t, kind: 'template' });
    for (const t of templateExpressions(config.body, ['body'])) out.push({ ...t, kind: 'template' });
    for (const t of templateExpressions(config.headers, ['headers'])) out.push({ ...t, kind: 'template' });
    return out;
  },
  async execute({ config, ports, scope, hasEdge, executionKey }) {
    const request: WebhookRequest = {
      url: renderText(config.url, scope),
      method: config.method,
      headers: renderTemplate(config.headers, scope) as Record<string, string>,
      body: renderTemplate(config.body, scope),
      timeoutMs: durationMs(config.timeout),
      idempotencyKey: executionKey,
    };
    try {
      const response = await ports.callActivity(WEBHOOK_ACTIVITY, [request], {
        // One attempt's budget plus headroom for connection set-up.
        startToCloseTimeoutMs: request.timeoutMs + 5_000,
        retry: toRetryPolicy(config.retry),
        executionKey,
      });
      return { handle: 'sent', output: response as unknown as JsonValue };
    } catch (err) {
      if (err instanceof ActivityCallError && hasEdge('failed')) {
        return {
          handle: 'failed',
          output: {
            error: err.message,
            nonRetryable: err.details.nonRetryable,
            ...(err.details.data ? { response: err.details.data as JsonValue } : {}),
          },
        };
      }
      throw err;
    }
  },
});
