import { HttpProblem } from './problem.ts';

/**
 * Backpressure for the inbound hook endpoint: at most `maxStarting` events are being turned into runs
 * at once (claim, run row, workflow start). Past that the endpoint answers 503 with Retry-After
 * instead of queueing without bound; Standard Webhooks senders retry. By Little's law the wait an
 * admitted event can see is about maxStarting / (runs started per second).
 */
export const HOOK_MAX_STARTING = 64;
export const HOOK_RETRY_AFTER_SECONDS = 1;

export class HookBusy extends HttpProblem {
  readonly retryAfterSeconds = HOOK_RETRY_AFTER_SECONDS;
  constructor(limit: number) {
    super(503, 'Busy', `More than ${limit} events are starting runs right now; try again in ${HOOK_RETRY_AFTER_SECONDS} s`);
  }
}

export class HookAdmission {
  private starting = 0;

  constructor(readonly maxStarting = HOOK_MAX_STARTING) {
    if (!Number.isInteger(maxStarting) || maxStarting < 1) throw new RangeError('maxStarting must be a positive integer');
  }

  get inFlight(): number {
    return this.starting;
  }

  /** Runs `work` if there is room, else throws HookBusy; the slot is freed however `work` ends. */
  async admit<T>(work: () => Promise<T>): Promise<T> {
    if (this.starting >= this.maxStarting) throw new HookBusy(this.maxStarting);
    this.starting++;
    try {
      return await work();
    } finally {
      this.starting--;
    }
  }
}
