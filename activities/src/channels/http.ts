import { ChannelError, DEFAULT_TIMEOUT_MS, type ChannelKind, type HttpRequestSpec, type SendOptions } from './types.ts';
import { createOutboundGuard, isOutboundRefused, outboundRequest, type OutboundAnswer } from '../outbound/index.ts';

/** Without a guard handed in, nothing but public addresses: safe whoever forgets to pass one. */
const STRICT = createOutboundGuard();

const MAX_BODY_CHARS = 64_000;
const MAX_RETRY_AFTER_MS = 3_600_000;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer parses as JSON, else the (clipped) text. */
  body: unknown;
  text: string;
}

/**
 * Performs one request with a timeout, through the outbound guard. A refused destination is a
 * non-retryable `ChannelError` (code `refused`) and nothing is sent. No answer (timeout, refused
 * connection, reset, DNS) is a retryable `ChannelError`; any answer is returned for the adapter
 * to interpret. Redirects are not followed: a moved webhook is a configuration error, not
 * something to chase, and a hop is a destination the guard would not have seen.
 */
export async function perform(channel: ChannelKind, req: HttpRequestSpec, opts: SendOptions): Promise<HttpAnswer> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let res: OutboundAnswer;
  try {
    res = await outboundRequest(opts.outbound ?? STRICT, req.url, { method: req.method, headers: req.headers, body: req.body, signal });
  } catch (err) {
    if (isOutboundRefused(err)) {
      throw new ChannelError({ channel, retryable: false, providerCode: 'refused', providerMessage: err.message, cause: err });
    }
    // Also an answer that started but did not finish (timeout or reset mid-body): the provider may
    // or may not have accepted the message; retrying is safe only because the key travels with it.
    throw noAnswer(channel, req, err, timeout, timeoutMs);
  }
  const text = res.text;
  const clipped = text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text;
  let body: unknown = clipped;
  if (text.length > 0 && text.length <= MAX_BODY_CHARS) {
    try {
      body = JSON.parse(text);
    } catch {
      body = clipped;
    }
  }
  return { status: res.status, headers: res.headers, body, text: clipped };
}

function noAnswer(channel: ChannelKind, req: HttpRequestSpec, err: unknown, timeout: AbortSignal, timeoutMs: number): ChannelError {
  const e = err as Error & { code?: string; cause?: Error & { code?: string } };
  if (timeout.aborted) {
    return new ChannelError({
      channel,
      retryable: true,
      providerCode: 'timeout',
      providerMessage: `no answer from ${safeHost(req.url)} within ${timeoutMs} ms`,
      cause: err,
    });
  }
  if (e?.name === 'AbortError') {
    // Cancelled by the caller: not a provider failure; the caller decides what happens next.
    return new ChannelError({
      channel,
      retryable: true,
      providerCode: 'cancelled',
      providerMessage: `request to ${safeHost(req.url)} was cancelled`,
      cause: err,
    });
  }
  const why = e?.code ?? e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new ChannelError({
    channel,
    retryable: true,
    providerCode: 'network',
    providerMessage: `request to ${safeHost(req.url)} failed: ${why}`,
    cause: err,
  });
}

/**
 * The HTTP-level rule shared by all adapters: 5xx, 408 and 429 are worth retrying; other
 * non-2xx answers (4xx, and 3xx since redirects are not followed) are not.
 */
export function httpRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** `Retry-After` in seconds or as an HTTP date, capped at an hour. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, Math.min(secs * 1000, MAX_RETRY_AFTER_MS));
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(at - now, MAX_RETRY_AFTER_MS));
}

export function describeBody(body: unknown): string {
  const s = typeof body === 'string' ? body : JSON.stringify(body);
  if (!s) return '(empty answer)';
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/** A URL the adapter can send to, or a non-retryable error naming what is wrong. */
export function requireUrl(channel: ChannelKind, raw: string, what = 'webhook URL'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ChannelError({ channel, retryable: false, providerCode: 'config', providerMessage: `the ${what} is not a valid URL` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ChannelError({ channel, retryable: false, providerCode: 'config', providerMessage: `the ${what} must be http(s)` });
  }
  return url;
}

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Mentions split by kind: phone numbers, everyone, and platform user ids. */
export interface Mentions {
  mobiles: string[];
  userIds: string[];
  all: boolean;
}

const PHONE = /^\+?[0-9][0-9 -]{5,19}$/;

export function splitMentions(to: string[] | undefined): Mentions {
  const out: Mentions = { mobiles: [], userIds: [], all: false };
  for (const raw of to ?? []) {
    const t = raw.trim();
    if (!t) continue;
    if (t === '@all' || t === 'all' || t === '@everyone') out.all = true;
    else if (PHONE.test(t)) out.mobiles.push(t.replace(/[ -]/g, ''));
    else out.userIds.push(t.replace(/^@/, ''));
  }
  return out;
}
