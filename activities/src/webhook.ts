import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { JsonValue, WebhookRequest, WebhookResponse } from '@flightdeck/workflows';
import { describeBody, retryAfterMs, safeHost } from './channels/http.ts';
import { createOutboundGuard, isOutboundRefused, outboundRequest, type OutboundAnswer, type OutboundGuard } from './outbound/index.ts';

const MAX_BODY_CHARS = 64_000;

/** Reads the answer as JSON when it says it is JSON, else as (truncated) text. */
function readBody(res: OutboundAnswer): JsonValue {
  const text = res.text;
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
 * The `sendWebhook` activity, sending only where `guard` lets it. The URL may have been built
 * from a run's input, so the guard's connect-time check is what decides, not the publish-time
 * URL check. A refused destination fails the node at once (non-retryable `OutboundRefused`).
 * A 4xx (except 408 and 429) is the receiver refusing the request: retrying cannot help, so it
 * is non-retryable and the node takes its failure path. 5xx, 408, 429, timeouts and network
 * errors are retried by the node's policy.
 */
export function webhookActivity(guard: OutboundGuard) {
  return async function sendWebhook(req: WebhookRequest): Promise<WebhookResponse> {
    const info = Context.current().info;
    const started = Date.now();
    const timeout = AbortSignal.timeout(req.timeoutMs);
    let res: OutboundAnswer;
    try {
      res = await outboundRequest(guard, req.url, {
        method: req.method,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Flightdeck/0.1 (+webhook)',
          'idempotency-key': req.idempotencyKey,
          ...req.headers,
        },
        body: JSON.stringify(req.body),
        signal: AbortSignal.any([timeout, Context.current().cancellationSignal]),
      });
    } catch (err) {
      if (isOutboundRefused(err)) throw ApplicationFailure.create({ message: err.message, type: 'OutboundRefused', nonRetryable: true });
      const cause = err as Error & { code?: string };
      if (cause instanceof TypeError && cause.message.startsWith('Invalid URL')) {
        const message = `The URL "${req.url.slice(0, 200)}" is not a valid URL`;
        throw ApplicationFailure.create({ message, type: 'HttpClientError', nonRetryable: true });
      }
      const why = timeout.aborted ? `no answer within ${req.timeoutMs} ms` : (cause.code ?? cause.message);
      throw ApplicationFailure.retryable(`Request to ${safeHost(req.url)} failed: ${why}`, 'HttpNetworkError');
    }
    return answer(req, res, info.attempt, Date.now() - started);
  };
}

/** Public addresses only: for callers (the benchmark's bare workers) that configure nothing. */
export const sendWebhook = webhookActivity(createOutboundGuard());

function answer(req: WebhookRequest, res: OutboundAnswer, attempt: number, durationMs: number): WebhookResponse {
  const body = readBody(res);
  if (res.status >= 200 && res.status < 300) return { status: res.status, body, attempt, durationMs };

  const message = `HTTP ${res.status} from ${safeHost(req.url)}: ${describeBody(body)}`;
  const details = { status: res.status, body };
  // Redirects are not followed: a moved endpoint is a configuration error, as is a 4xx.
  if (res.status < 500 && res.status !== 408 && res.status !== 429) {
    throw ApplicationFailure.create({ message, type: 'HttpClientError', nonRetryable: true, details: [details] });
  }
  throw ApplicationFailure.create({
    message,
    type: 'HttpServerError',
    nonRetryable: false,
    details: [details],
    nextRetryDelay: retryAfterMs(res.headers),
  });
}
