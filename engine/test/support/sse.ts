/** One server-sent event as the stream carried it. */
export interface SseEvent {
  event: string;
  data: any;
}

/**
 * A server-sent event stream read with fetch (Node has no EventSource): `next` resolves with the first event, from the
 * start of the stream, that the predicate accepts and that no earlier `next` took. `close` hangs up like a browser.
 */
export interface SseStream {
  status: number;
  headers: Headers;
  next(what: string, accept?: (e: SseEvent) => boolean): Promise<SseEvent>;
  /** Comment lines (heartbeats) seen so far. */
  comments: string[];
  close(): void;
}

export async function openSse(url: string, token: string): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters: { accept: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void; reject: (err: Error) => void; what: string }[] = [];
  let ended: Error | undefined;
  let taken = 0;
  const offer = () => {
    for (const w of [...waiters]) {
      const i = events.findIndex((e, k) => k >= taken && w.accept(e));
      if (i >= 0) {
        taken = i + 1;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(events[i]!);
      } else if (ended) {
        waiters.splice(waiters.indexOf(w), 1);
        w.reject(new Error(`the stream ended before ${w.what} (${ended.message})`));
      }
    }
  };
  const parse = (block: string) => {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) });
  };
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            parse(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
          }
          offer();
        }
        ended = new Error('closed by the server');
      } catch (err) {
        ended = err as Error;
      }
      offer();
    })();
  }
  return {
    status: res.status,
    headers: res.headers,
    comments,
    next(what, accept = () => true) {
      return new Promise((resolve, reject) => {
        waiters.push({ accept, resolve, reject, what });
        offer();
      });
    },
    close: () => abort.abort(),
  };
}
