import http from 'node:http';
import https from 'node:https';
import type { OutboundGuard } from './guard.ts';

/** Reading stops here: an answer is for a status and an error message, not for streaming. */
const MAX_ANSWER_BYTES = 1_048_576;
/** An idle pooled socket closes before the usual 5 s server keep-alive would close it under us. */
const IDLE_SOCKET_MS = 4_000;

const agents = new WeakMap<OutboundGuard, Map<string, http.Agent>>();

/**
 * Keep-alive agents, one per guard, scheme and port (the guard's lookup is bound to the port).
 * A pooled socket was opened through the guard's lookup, so reusing it reaches only an address
 * the guard admitted; the pool is keyed by host, so it is never lent to another host.
 */
function agentFor(guard: OutboundGuard, secure: boolean, port: number): http.Agent {
  let byPort = agents.get(guard);
  if (!byPort) agents.set(guard, (byPort = new Map()));
  const key = `${secure ? 'https' : 'http'}:${port}`;
  let agent = byPort.get(key);
  if (!agent) {
    const opts = { keepAlive: true, timeout: IDLE_SOCKET_MS, lookup: guard.lookupFor(port) };
    agent = secure ? new https.Agent(opts) : new http.Agent(opts);
    byPort.set(key, agent);
  }
  return agent;
}

export interface OutboundRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface OutboundAnswer {
  status: number;
  headers: Headers;
  /** The answer's text, cut at 1 MiB. */
  text: string;
}

/**
 * One HTTP(S) request through the guard: the host is checked from the URL first (IP literals,
 * refused names) and again on the addresses the socket connects to (the guard is the socket's
 * `lookup`), so a name that resolves somewhere private, or changes its answer between a check
 * and the connect, is refused. Redirects are never followed: a 3xx is returned as it is, so no
 * hop can lead anywhere the guard has not seen.
 */
export function outboundRequest(guard: OutboundGuard, rawUrl: string, req: OutboundRequest): Promise<OutboundAnswer> {
  const url = new URL(rawUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  try {
    guard.checkHost(url.hostname, port);
  } catch (err) {
    return Promise.reject(err);
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: req.method,
        headers: req.body === undefined ? req.headers : { 'content-length': String(Buffer.byteLength(req.body)), ...req.headers },
        agent: agentFor(guard, url.protocol === 'https:', port),
        ...(req.signal ? { signal: req.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        };
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_ANSWER_BYTES) return;
          chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - size));
          size += chunk.length;
          if (size >= MAX_ANSWER_BYTES) {
            finish();
            res.destroy();
          }
        });
        res.on('end', finish);
        res.on('error', (err) => (done ? undefined : ((done = true), reject(err))));
        res.on('close', () => {
          if (!done && !res.complete) {
            done = true;
            reject(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' }));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(req.body);
  });
}
