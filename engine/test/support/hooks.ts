import { signStandardWebhook } from '../../src/services/hooks.ts';

/** One event POSTed to a flow's hook endpoint as a Standard Webhooks sender sends it: JSON, signed with the secret. */
export function postSignedEvent(
  base: string,
  target: { flowId: string; secret: string },
  id: string,
  body: unknown,
  opts: { timestamp?: number; signal?: AbortSignal } = {},
): Promise<Response> {
  const raw = JSON.stringify(body);
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${base}/api/hooks/${target.flowId}`, {
    method: 'POST',
    signal: opts.signal,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook(target.secret, id, ts, raw),
    },
    body: raw,
  });
}
