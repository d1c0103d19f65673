import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { JsonValue, WebhookRequest, WebhookResponse } from '@flightdeck/workflows';
import { describeBody, retryAfterMs, safeHost } from './channels/http.ts';

const MAX_BODY_CHARS = 64_000;

/** Reads the answer as JSON when it says it is JSON, else as (truncated) text. */
async function readBody(res: Response): Promise<JsonValue> {
  const text = await res.text();
  const clipped = text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return clipped;
    }
  }
  return clipped;
}

/**
 * One HTTP call. A 4xx (except 408 and 429) is the receiver refusing the request: retrying
 * cannot help, so it is non-retryable and the node takes its failure path. 5xx, 408, 429,
 * timeouts and network errors are retried by the node's policy.
 */
export async function sendWebhook(req: WebhookRequest): Promise<WebhookResponse> {
  const info = Context.current().info;
  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Flightdeck/0.1 (+webhook)',
        'idempotency-key': req.idempotencyKey,
        ...req.headers,
      },
      body: JSON.stringify(req.body),
      signal: AbortSignal.any([AbortSignal.timeout(req.timeoutMs), Context.current().cancellationSignal]),
      redirect: 'manual',
    });
  } catch (err) {
    const cause = err as Error;
    const why = cause.name === 'TimeoutError' ? `no answer within ${req.timeoutMs} ms` : (cause.cause as Error)?.message ?? cause.message;
    throw ApplicationFailure.retryable(`Request to ${safeHost(req.url)} failed: ${why}`, 'HttpNetworkError');
  }
  const body = await readBody(res);
  const durationMs = Date.now() - started;
  if (res.status >= 200 && res.status < 300) return { status: res.status, body, attempt: info.attempt, durationMs };

  const message = `HTTP ${res.status} from ${safeHost(req.url)}: ${describeBody(body)}`;
  const details = { status: res.status, body };
  // Redirects are not followed: a moved endpoint is a configuration error, as is a 4xx.
  if (res.status < 500 && res.status !== 408 && res.status !== 429) {
    throw ApplicationFailure.create({ message, type: 'HttpClientError', nonRetryable: true, details: [details] });
  }
  throw ApplicationFailure.create({ message, type: 'HttpServerError', nonRetryable: false, details: [details], nextRetryDelay: retryAfterMs(res.headers) });
}
