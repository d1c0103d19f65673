import type { Response } from 'express';
import type { RunChangeFeed } from '../services/run-changes.ts';

/** A comment line this often keeps proxies and load balancers from closing an idle stream; it also re-reads the run. */
export const RUN_STREAM_HEARTBEAT_MS = 15_000;
/**
 * After a wake-up whose read shows nothing new, the read is repeated after these pauses: an activity announces
 * its end a moment before the worker has reported it to Temporal, so the first query can still see the old state.
 */
const SETTLE_DELAYS_MS = [20, 80, 300];
/** A client that reads nothing while changes pile up is dropped rather than buffered for without bound. */
const MAX_UNSENT_BYTES = 1 << 20;

interface LiveRun {
  status: string;
  workflowId: string;
}

export interface RunStreamOptions<R extends LiveRun> {
  res: Response;
  /** The run as it is now; the first read happens before the stream is opened, so its errors are problem+json. */
  first: R;
  read: () => Promise<R>;
  feed: RunChangeFeed;
  heartbeatMs?: number;
}

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Serves a run's changes as server-sent events until the client goes or the run ends: `run` events carry the run
 * whenever it differs from the last one sent, `end` says the run is over (so EventSource does not reconnect).
 * Resolves when the stream is closed.
 */
export async function streamRunChanges<R extends LiveRun>(opts: RunStreamOptions<R>): Promise<void> {
  const { res, feed } = opts;
  const gone = new Promise<void>((resolve) => res.once('close', resolve));
  await feed.ensureListening();
  // The client may have left during the first read: nothing to stream to.
  if (!res.socket || res.socket.destroyed) return;
  res.status(200);
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  // no-transform: a proxy must not compress or rewrite it; X-Accel-Buffering: nginx must pass each event at once.
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  let closed = false;
  let last = '';
  let reading = false;
  let again = false;
  let settleStep = SETTLE_DELAYS_MS.length;
  let settleTimer: NodeJS.Timeout | undefined;

  const finish = () => {
    if (!closed) res.end();
    closed = true;
  };
  const send = (run: R) => {
    const text = JSON.stringify(run);
    if (text === last) return false;
    last = text;
    res.write(event('run', run));
    if (run.status !== 'running') {
      res.write(event('end', { status: run.status }));
      finish();
    } else if (res.writableLength > MAX_UNSENT_BYTES) finish();
    return true;
  };
  const readAndSend = async (): Promise<void> => {
    if (reading) return void (again = true);
    reading = true;
    try {
      do {
        again = false;
        const changed = send(await opts.read());
        if (closed) return;
        if (changed) settleStep = SETTLE_DELAYS_MS.length;
        else if (settleStep < SETTLE_DELAYS_MS.length && !again)
          settleTimer = setTimeout(() => void readAndSend(), SETTLE_DELAYS_MS[settleStep++]);
      } while (again && !closed);
    } catch {
      // The run is gone or Temporal is away: closing lets the client fall back to polling, which reports it.
      finish();
    } finally {
      reading = false;
    }
  };
  const wake = () => {
    clearTimeout(settleTimer);
    settleStep = 0;
    void readAndSend();
  };

  res.write('retry: 2000\n\n');
  send(opts.first);
  if (closed) return;
  const unwatch = feed.watch(opts.first.workflowId, wake);
  const heartbeat = setInterval(() => {
    res.write(': heartbeat\n\n');
    void readAndSend();
  }, opts.heartbeatMs ?? RUN_STREAM_HEARTBEAT_MS);
  // A change between the first read and the watch would otherwise wait for the heartbeat.
  wake();
  await gone;
  closed = true;
  unwatch();
  clearInterval(heartbeat);
  clearTimeout(settleTimer);
}
