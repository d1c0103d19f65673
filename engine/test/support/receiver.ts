import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface ReceivedCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

export type Responder = (
  call: ReceivedCall,
  index: number,
) =>
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;

/** A real HTTP receiver on loopback that records every call, standing in for a chat bot or webhook endpoint. */
export async function startReceiver(
  respond: Responder = () => ({ status: 200, body: { ok: true } }),
): Promise<{ url: string; calls: ReceivedCall[]; close(): Promise<void>; server: Server }> {
  const calls: ReceivedCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep text */
      }
      const call = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() };
      calls.push(call);
      const answer = await respond(call, calls.length - 1);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
