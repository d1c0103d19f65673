import type { Client } from '@temporalio/client';

/** The statuses a run's execution ends in; a continue-as-new is not among them: the run goes on in the next one. */
const ENDED = ['Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut'];
/** How often the runs waited for are looked up: a slot held this much longer is not noticed by a sender. */
export const CLOSED_RUNS_POLL_MS = 200;
/** Bounds the length of one visibility query. */
const IDS_PER_QUERY = 100;

/**
 * Tells when runs close, for many at once: one visibility query per poll for every run still waited for. A long poll
 * per run (the workflow's result) cost the API a gRPC call and the dev server a waiter for each one.
 */
export class ClosedRuns {
  private readonly waiting = new Map<string, (() => void)[]>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly temporal: () => Client,
    private readonly pollMs = CLOSED_RUNS_POLL_MS,
  ) {}

  /** Settles once the run's workflow has ended, however it ended. Only for workflow ids this API made (`run-<uuid>`). */
  whenClosed(workflowId: string): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiting.get(workflowId) ?? [];
      list.push(resolve);
      this.waiting.set(workflowId, list);
      this.schedule();
    });
  }

  /** Stops polling (the server is closing); what still waits is released by its own hold time. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private longPoll(workflowId: string): void {
    const waiters = this.waiting.get(workflowId) ?? [];
    this.waiting.delete(workflowId);
    const release = () => waiters.forEach((resolve) => resolve());
    this.temporal().workflow.getHandle(workflowId).result().then(release, release);
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.waiting.size === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.pollMs);
    // Waiting for runs must not keep a stopping process alive.
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const ids = [...this.waiting.keys()];
      const ended = ENDED.map((s) => `'${s}'`).join(', ');
      for (let i = 0; i < ids.length && !this.stopped; i += IDS_PER_QUERY) {
        const quoted = ids.slice(i, i + IDS_PER_QUERY).map((id) => `'${id}'`);
        const query = `WorkflowId IN (${quoted.join(', ')}) AND ExecutionStatus IN (${ended})`;
        for await (const run of this.temporal().workflow.list({ query })) {
          for (const resolve of this.waiting.get(run.workflowId) ?? []) resolve();
          this.waiting.delete(run.workflowId);
        }
      }
    } catch {
      // Visibility cannot answer (a store without this query, Temporal unreachable): the runs waited for are
      // long-polled one by one instead, as before, rather than held until the admission's hold time.
      if (!this.stopped) for (const id of [...this.waiting.keys()]) this.longPoll(id);
    } finally {
      this.timer = undefined;
      this.schedule();
    }
  }
}
