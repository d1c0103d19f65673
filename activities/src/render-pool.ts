import { Worker } from 'node:worker_threads';
import type { MessageMode } from '@flightdeck/workflows';

/**
 * Message templates render on a thread of their own, never on the event loop that serves the API
 * and the worker's activities. liquidjs's own limits (MESSAGE_LIMITS) stop a hostile template
 * within tens of milliseconds; this adds the hard guarantee: a render that has not answered
 * within RENDER_TIMEOUT_MS, or that runs the thread out of memory, ends the thread, fails that
 * message, and the next render starts a new thread. One render runs at a time, so the timeout
 * measures that render alone, never its queue.
 */
export const RENDER_TIMEOUT_MS = 2_000;
export const RENDER_THREAD_MEMORY_MB = 128;

interface Job {
  source: string;
  variables: Record<string, unknown>;
  mode: MessageMode;
  resolve(text: string): void;
  reject(err: Error): void;
}

export class RenderTimeout extends Error {}

const THREAD_ENTRY = new URL('./render-thread.mjs', import.meta.url);
const WORKER_URL = new URL('./render-worker.ts', import.meta.url);

export interface RenderPoolOptions {
  timeoutMs?: number;
  /** The thread's module; tests give one that misbehaves on purpose. */
  workerUrl?: URL;
}

export class RenderPool {
  private readonly timeoutMs: number;
  private readonly workerUrl: URL;
  private worker: Worker | undefined;
  /** The thread has loaded its modules (seconds, once): the timeout counts rendering, not start-up. */
  private ready = false;
  private readonly queue: Job[] = [];
  private current: { id: number; job: Job; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  /** Threads started so far; the tests and the bench read it. */
  started = 0;

  constructor(opts: RenderPoolOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? RENDER_TIMEOUT_MS;
    this.workerUrl = opts.workerUrl ?? WORKER_URL;
  }

  render(source: string, variables: Record<string, unknown>, mode: MessageMode): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ source, variables, mode, resolve, reject });
      this.pump();
    });
  }

  /** Starts the thread ahead of the first render, so that no activity attempt pays for its start-up. */
  warm(): void {
    try {
      this.thread();
    } catch {
      /* the first render reports it */
    }
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_ENTRY, {
      workerData: { module: this.workerUrl.href },
      resourceLimits: { maxOldGenerationSizeMb: RENDER_THREAD_MEMORY_MB, maxYoungGenerationSizeMb: 16 },
    });
    this.started++;
    this.ready = false;
    worker.unref();
    worker.on('message', (msg: { ready?: true; id: number; text?: string; error?: string }) => {
      if (msg.ready) {
        if (this.worker === worker) this.ready = true;
        return this.pump();
      }
      const current = this.current;
      if (!current || current.id !== msg.id) return;
      this.settle();
      if (msg.error !== undefined) current.job.reject(new Error(msg.error));
      else current.job.resolve(msg.text ?? '');
    });
    const lost = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const current = this.current;
      if (current) {
        this.settle();
        current.job.reject(new Error(reason));
      } else if (!this.ready) {
        // It never started: the render waiting for it fails rather than start threads forever.
        this.queue.shift()?.reject(new Error(reason));
        queueMicrotask(() => this.pump());
      }
    };
    worker.on('error', (err) =>
      lost(/memory/i.test(err.message) ? 'Rendering the message ran out of memory' : `The render thread failed: ${err.message}`),
    );
    worker.on('exit', () => lost('The render thread stopped'));
    this.worker = worker;
    return worker;
  }

  private settle(): void {
    clearTimeout(this.current!.timer);
    this.current = undefined;
    queueMicrotask(() => this.pump());
  }

  private pump(): void {
    if (this.current || !this.queue.length) return;
    let worker: Worker;
    try {
      worker = this.thread();
    } catch (err) {
      this.queue.shift()!.reject(err instanceof Error ? err : new Error(String(err)));
      queueMicrotask(() => this.pump());
      return;
    }
    if (!this.ready) return;
    const job = this.queue.shift()!;
    const id = this.nextId++;
    try {
      worker.postMessage({ id, source: job.source, variables: job.variables, mode: job.mode });
    } catch (err) {
      job.reject(err instanceof Error ? err : new Error(String(err)));
      queueMicrotask(() => this.pump());
      return;
    }
    const timer = setTimeout(() => {
      if (this.current?.id !== id) return;
      this.settle();
      this.worker = undefined;
      void worker.terminate();
      job.reject(new RenderTimeout(`Rendering the message took longer than ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    timer.unref();
    this.current = { id, job, timer };
  }
}

let shared: RenderPool | undefined;
/** The process's render thread, started on first use. */
export function sharedRenderPool(): RenderPool {
  return (shared ??= new RenderPool());
}
