import { HttpProblem } from './problem.ts';
import { said } from '@flightdeck/workflows';

/**
 * Backpressure for the inbound hook endpoint, two bounds per API process:
 * - at most `maxStarting` events are being turned into runs at once (claim, run row, workflow start);
 * - at most `maxOpen` runs that events started are still open, counting each for at most `holdMs`
 *   (a run that waits on purpose, for an approval or a date, stops counting after that).
 * Past either the endpoint answers 503 with Retry-After instead of queueing without bound; Standard
 * Webhooks senders retry. By Little's law an admitted event waits at most about
 * maxOpen / (runs completed per second) for its run: 200 open runs at 40 runs/s is 5 s.
 */
export const HOOK_MAX_STARTING = 64;
export const HOOK_MAX_OPEN_RUNS = 200;
export const HOOK_OPEN_HOLD_MS = 60_000;
export const HOOK_RETRY_AFTER_SECONDS = 1;

export interface HookAdmissionLimits {
  maxStarting?: number;
  maxOpen?: number;
  holdMs?: number;
}

export class HookBusy extends HttpProblem {
  readonly retryAfterSeconds = HOOK_RETRY_AFTER_SECONDS;
  constructor(reason: 'hooks_starting' | 'hooks_open', limit: number) {
    super(503, 'Busy', said(reason, { limit, seconds: HOOK_RETRY_AFTER_SECONDS }));
  }
}

const positiveInteger = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  return v;
};

export class HookAdmission {
  private starting = 0;
  private open = 0;
  readonly maxStarting: number;
  readonly maxOpen: number;
  readonly holdMs: number;

  constructor(limits: HookAdmissionLimits | number = {}) {
    const l = typeof limits === 'number' ? { maxStarting: limits } : limits;
    this.maxStarting = positiveInteger('maxStarting', l.maxStarting ?? HOOK_MAX_STARTING);
    this.maxOpen = positiveInteger('maxOpen', l.maxOpen ?? HOOK_MAX_OPEN_RUNS);
    this.holdMs = positiveInteger('holdMs', l.holdMs ?? HOOK_OPEN_HOLD_MS);
  }

  get inFlight(): number {
    return this.starting;
  }

  /** Runs started by events that are still open (and younger than holdMs). */
  get openRuns(): number {
    return this.open;
  }

  /**
   * Runs `work` if there is room, else throws HookBusy; the starting slot is freed however `work`
   * ends. When `work` yields a `closed` promise (a new run), the run holds an open slot until it
   * settles or holdMs passes.
   */
  async admit<T extends { closed?: Promise<unknown> }>(work: () => Promise<T>): Promise<T> {
    if (this.starting >= this.maxStarting) throw new HookBusy('hooks_starting', this.maxStarting);
    if (this.open + this.starting >= this.maxOpen) throw new HookBusy('hooks_open', this.maxOpen);
    this.starting++;
    let result: T;
    try {
      result = await work();
    } finally {
      this.starting--;
    }
    if (result.closed) this.hold(result.closed);
    return result;
  }

  private hold(closed: Promise<unknown>): void {
    this.open++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const release = () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      this.open--;
    };
    timer = setTimeout(release, this.holdMs);
    // A timer must not keep a stopping process alive.
    timer.unref?.();
    closed.then(release, release);
  }
}
