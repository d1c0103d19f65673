/**
 * Local stand-ins for WeCom, Feishu, DingTalk, Slack, Twilio and a Standard Webhooks receiver.
 * Each listens on 127.0.0.1 on a random port, reads bounded bodies, verifies the request the
 * way the platform documents (recomputing signatures from the received bytes, with its own
 * clock), answers the way the platform answers, and counts deliveries, de-duplicated by the
 * idempotency key (or webhook-id).
 *
 * The verification code here is written independently of the adapters: it only uses
 * node:crypto and the documented formulas.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const MAX_BODY_BYTES = 256 * 1024;

export interface Received {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
  /** When it arrived (ms since epoch), for rate and quiet-hours checks. */
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string | object;
}

export type Mode = 'normal' | 'error500' | 'hang';

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  base: string;
  /** Every request that arrived. */
  requests: Received[];
  /** Accepted deliveries, one per idempotency key. */
  deliveries: Received[];
  /** Accepted requests whose idempotency key had already been delivered. */
  duplicates: number;
  mode: Mode;
  /** Called as each request arrives, so a test can act on the arrival instead of guessing its time. */
  onRequest?: (req: Received) => void;
  /** While set, replies wait for it: a test acts between a request's arrival and its answer, not in a race with it. */
  hold?: Promise<unknown>;
  /** Replies to give instead of the platform logic, first in first out. */
  forced: Reply[];
  /** Records an accepted delivery; returns false for a duplicate. */
  accept(req: Received, key: string | undefined): boolean;
  close(): Promise<void>;
}

export type Handler = (req: Received, rx: Receiver) => Reply;

export async function start(handler: Handler): Promise<Receiver> {
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      const received: Received = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', rx.base),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      rx.requests.push(received);
      rx.onRequest?.(received);
      if (rx.mode === 'hang') return; // never answer; the client must time out
      const answer = () => {
        let reply: Reply;
        if (tooBig) reply = { status: 413, body: 'request entity too large' };
        else if (rx.forced.length) reply = rx.forced.shift()!;
        else if (rx.mode === 'error500') reply = { status: 500, body: 'internal error' };
        else reply = handler(received, rx);
        const isText = typeof reply.body === 'string';
        res.writeHead(reply.status, {
          'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
          ...reply.headers,
        });
        res.end(isText ? reply.body : JSON.stringify(reply.body));
      };
      if (rx.hold) void rx.hold.then(answer, answer);
      else answer();
    });
  });
  server.requestTimeout = 5_000;
  server.headersTimeout = 5_000;
  server.maxConnections = 64;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const rx: Receiver = {
    base: `http://127.0.0.1:${port}`,
    requests: [],
    deliveries: [],
    duplicates: 0,
    mode: 'normal',
    forced: [],
    accept(req, key) {
      if (key !== undefined && seen.has(key)) {
        rx.duplicates++;
        return false;
      }
      if (key !== undefined) seen.add(key);
      rx.deliveries.push(req);
      return true;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return rx;
}

export function json(body: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function header(req: Received, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Counts deliveries in a sliding minute, like the per-robot limits. */
function perMinute(limit: number) {
  const times: number[] = [];
  return () => {
    const now = Date.now();
    while (times.length && times[0]! <= now - 60_000) times.shift();
    if (times.length >= limit) return false;
    times.push(now);
    return true;
  };
}

// --- WeCom ------------------------------------------------------------------------------

export async function startWeCom(key: string, opts: { perMinute?: number } = {}): Promise<Receiver & { webhookUrl: string }> {
  const allow = perMinute(opts.perMinute ?? 20);
  const rx = await start((req, rx) => {
    if (req.url.pathname !== '/cgi-bin/webhook/send' || req.url.searchParams.get('key') !== key) {
      return { status: 200, body: { errcode: 93000, errmsg: 'invalid webhook url, hint: [local receiver]' } };
    }
    const b = json(req.body);
    const type = b?.msgtype;
    if (type !== 'text' && type !== 'markdown') return { status: 200, body: { errcode: 40008, errmsg: 'invalid message type' } };
    const content = (b?.[type] as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || !content) return { status: 200, body: { errcode: 44004, errmsg: 'empty content' } };
    if (Buffer.byteLength(content) > (type === 'text' ? 2048 : 4096))
      return { status: 200, body: { errcode: 40058, errmsg: 'content exceed max length' } };
    if (!allow()) return { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } };
    rx.accept(req, header(req, 'idempotency-key'));
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  });
  return Object.assign(rx, { webhookUrl: `${rx.base}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}` });
}

// --- Feishu -----------------------------------------------------------------------------

/** Feishu's documented check: HMAC-SHA256 keyed by "timestamp\nsecret" over nothing, base64. */
export function feishuExpectedSign(timestamp: string, secret: string): string {
  return createHmac('sha256', Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
    .update(Buffer.alloc(0))
    .digest('base64');
}

export async function startFeishu(token: string, secret: string | undefined): Promise<Receiver & { webhookUrl: string }> {
  const allow = perMinute(100);
  const rx = await start((req, rx) => {
    if (req.url.pathname !== `/open-apis/bot/v2/hook/${token}`) {
      return { status: 200, body: { code: 19001, data: {}, msg: 'param invalid: incoming webhook access token invalid' } };
    }
    const b = json(req.body);
    if (!b) return { status: 400, body: { code: 9499, data: {}, msg: 'Bad Request' } };
    if (secret !== undefined) {
      const ts = typeof b.timestamp === 'string' || typeof b.timestamp === 'number' ? String(b.timestamp) : '';
      const fresh = /^\d+$/.test(ts) && Math.abs(Date.now() / 1000 - Number(ts)) <= 3600;
      if (!fresh || typeof b.sign !== 'string' || !safeEqual(b.sign, feishuExpectedSign(ts, secret))) {
        return {
          status: 200,
          body: { code: 19021, data: {}, msg: 'sign match fail or timestamp is not within one hour from current time' },
        };
      }
    }
    const type = b.msg_type;
    const ok =
      (type === 'text' && typeof (b.content as { text?: unknown } | undefined)?.text === 'string') ||
      (type === 'post' && typeof (b.content as { post?: unknown } | undefined)?.post === 'object') ||
      (type === 'interactive' && typeof b.card === 'object');
    if (!ok) return { status: 200, body: { code: 9499, data: {}, msg: 'Bad Request' } };
    if (!allow()) return { status: 200, body: { code: 11232, data: {}, msg: 'frequency limited psm' } };
    rx.accept(req, header(req, 'idempotency-key'));
    return { status: 200, body: { code: 0, data: {}, msg: 'success' } };
  });
  return Object.assign(rx, { webhookUrl: `${rx.base}/open-apis/bot/v2/hook/${token}` });
}

// --- DingTalk ---------------------------------------------------------------------------

/** DingTalk's documented check: base64(HmacSHA256(key = secret, "timestamp\nsecret")). */
export function dingtalkExpectedSign(timestamp: string, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
    .digest('base64');
}

export async function startDingTalk(
  token: string,
  secret: string | undefined,
  opts: { perMinute?: number } = {},
): Promise<Receiver & { webhookUrl: string }> {
  const allow = perMinute(opts.perMinute ?? 20);
  const rx = await start((req, rx) => {
    const q = req.url.searchParams;
    if (req.url.pathname !== '/robot/send' || q.get('access_token') !== token) {
      return { status: 200, body: { errcode: 300001, errmsg: 'token is not exist' } };
    }
    if (secret !== undefined) {
      // searchParams decodes the percent-encoding, as the platform does before comparing.
      const ts = q.get('timestamp') ?? '';
      const sign = q.get('sign') ?? '';
      if (!/^\d+$/.test(ts) || Math.abs(Date.now() - Number(ts)) > 3_600_000) {
        return { status: 200, body: { errcode: 310000, errmsg: 'invalid timestamp' } };
      }
      if (!safeEqual(sign, dingtalkExpectedSign(ts, secret))) {
        return { status: 200, body: { errcode: 310000, errmsg: 'sign not match, more: [local receiver]' } };
      }
    }
    const b = json(req.body);
    const type = b?.msgtype;
    const md = b?.markdown as { title?: unknown; text?: unknown } | undefined;
    const ok =
      (type === 'text' && typeof (b?.text as { content?: unknown } | undefined)?.content === 'string') ||
      (type === 'markdown' && typeof md?.title === 'string' && typeof md?.text === 'string');
    if (!ok) return { status: 200, body: { errcode: 40035, errmsg: '缺少参数 json' } };
    if (!allow()) return { status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
    rx.accept(req, header(req, 'idempotency-key'));
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  });
  return Object.assign(rx, { webhookUrl: `${rx.base}/robot/send?access_token=${encodeURIComponent(token)}` });
}

// --- Slack ------------------------------------------------------------------------------

export async function startSlack(path = '/services/T000/B000/XXXXXXXX'): Promise<Receiver & { webhookUrl: string }> {
  const rx = await start((req, rx) => {
    if (req.url.pathname !== path) return { status: 404, body: 'no_service' };
    const b = json(req.body);
    if (!b) return { status: 400, body: 'invalid_payload' };
    if (typeof b.text !== 'string' && !Array.isArray(b.blocks)) return { status: 400, body: 'no_text' };
    if (Array.isArray(b.blocks) && b.blocks.some((x) => typeof (x as { type?: unknown }).type !== 'string'))
      return { status: 400, body: 'invalid_blocks' };
    rx.accept(req, header(req, 'idempotency-key'));
    return { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
  });
  return Object.assign(rx, { webhookUrl: `${rx.base}${path}` });
}

// --- Twilio -----------------------------------------------------------------------------

export async function startTwilio(accountSid: string, authToken: string): Promise<Receiver> {
  let n = 0;
  return start((req, rx) => {
    const unauthorized = {
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="Twilio API"' },
      body: { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 },
    };
    const auth = header(req, 'authorization') ?? '';
    if (!auth.startsWith('Basic ')) return unauthorized;
    const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    if (user !== accountSid || !safeEqual(rest.join(':'), authToken)) return unauthorized;
    if (req.url.pathname !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      return {
        status: 404,
        body: {
          code: 20404,
          message: `The requested resource ${req.url.pathname} was not found`,
          more_info: 'https://www.twilio.com/docs/errors/20404',
          status: 404,
        },
      };
    }
    if (!(header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      return {
        status: 400,
        body: { code: 21602, message: 'Message body is required.', more_info: 'https://www.twilio.com/docs/errors/21602', status: 400 },
      };
    }
    const form = new URLSearchParams(req.body);
    const to = form.get('To') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to)) {
      return {
        status: 400,
        body: {
          code: 21211,
          message: `The 'To' number ${to} is not a valid phone number.`,
          more_info: 'https://www.twilio.com/docs/errors/21211',
          status: 400,
        },
      };
    }
    if (!form.get('From') && !form.get('MessagingServiceSid')) {
      return {
        status: 400,
        body: {
          code: 21603,
          message: "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
          more_info: 'https://www.twilio.com/docs/errors/21603',
          status: 400,
        },
      };
    }
    const body = form.get('Body') ?? '';
    if (!body)
      return {
        status: 400,
        body: { code: 21602, message: 'Message body is required.', more_info: 'https://www.twilio.com/docs/errors/21602', status: 400 },
      };
    rx.accept(req, header(req, 'idempotency-key'));
    const sid = `SM${(++n).toString(16).padStart(32, '0')}`;
    return {
      status: 201,
      body: {
        sid,
        account_sid: accountSid,
        to,
        from: form.get('From'),
        body,
        status: 'queued',
        api_version: '2010-04-01',
        error_code: null,
        error_message: null,
      },
    };
  });
}

// --- Standard Webhooks --------------------------------------------------------------------

/** Standard Webhooks verification: headers present, timestamp within 5 minutes, one v1 signature matches. */
export async function startStandardWebhook(secret: string, path = '/hooks/flightdeck'): Promise<Receiver & { url: string }> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const rx = await start((req, rx) => {
    if (req.url.pathname !== path) return { status: 404, body: 'not found' };
    const id = header(req, 'webhook-id');
    const ts = header(req, 'webhook-timestamp');
    const sigs = header(req, 'webhook-signature');
    if (!id || !ts || !sigs) return { status: 400, body: { error: 'missing webhook headers' } };
    if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 5 * 60)
      return { status: 401, body: { error: 'timestamp outside tolerance' } };
    const expected = createHmac('sha256', key).update(`${id}.${ts}.${req.body}`).digest('base64');
    const ok = sigs.split(' ').some((entry) => {
      const [version, sig] = entry.split(',', 2);
      return version === 'v1' && sig !== undefined && safeEqual(sig, expected);
    });
    if (!ok) return { status: 401, body: { error: 'invalid signature' } };
    const fresh = rx.accept(req, id);
    return { status: 200, body: { received: true, duplicate: !fresh } };
  });
  return Object.assign(rx, { url: `${rx.base}${path}` });
}
