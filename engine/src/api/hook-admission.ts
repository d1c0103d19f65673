import { HttpProblem } from './problem.ts';
import { said } from '@flightdeck/workflows';

/**
 * Backpressure for the inbound hook endpoint, per API process. Only verified events get here (the signature is checked
 * first, so an unsigned request never holds a place):
 * - the window: at most `maxOpen` runs that events started are open at once, counting each for at most `holdMs` (a
 *   run that waits on purpose, for an approval or a date, stops counting after that), events still starting included;
 * - the ceiling: at most `maxLongOpen` of them are open, counting each for at most `longHoldMs`, so runs that are only
 *   slow (a receiver that takes seconds, retries with backoff) cannot slip past the window without end;
 * - at most `maxStarting` events are being turned into runs at once (claim, run row, workflow start);
 * - an event that finds no room waits for it, first come first served, for at most `queueMs`, and at most `maxQueued`
 *   events wait; past either it is answered 503 with Retry-After, and Standard Webhooks senders retry. A sender that
 *   hangs up while waiting gives its place back.
 *
 * Why a small window and a short wait, not a deep queue: by Little's law an admitted event waits about
 * maxOpen / (runs completed per second) for its run. A sender that sends its next event on each 202 (as Standard
 * Webhooks senders do, a few connections per endpoint) keeps whatever window there is full, so the window is the
 * latency it sees: 200 open runs at 50 runs/s was 4 s behind; 24 is about half a second, and the sender is slowed to
 * the rate runs complete instead of being answered at once and queued. 24 was measured: a deeper window bought little
 * rate for much latency on the webhook bench (README, Performance).
 *
 * holdMs bounds how long a run that stays open on purpose takes a window slot: flows whose runs wait (an approval per
 * event) are admitted at up to maxOpen / holdMs events per second, 12/s, until the ceiling (200 runs younger than a
 * minute) says no more.
 */
export const HOOK_MAX_OPEN_RUNS = 24;
export const HOOK_OPEN_HOLD_MS = 2_000;
export const HOOK_MAX_LONG_OPEN_RUNS = 200;
export const HOOK_LONG_HOLD_MS = 60_000;
/** Longer than the hold: a burst that fills the window is admitted when the hold passes, not refused at that instant. */
export const HOOK_QUEUE_MS = 3_000;
export const HOOK_MAX_QUEUED = 64;
export const HOOK_MAX_STARTING = 64;
export const HOOK_RETRY_AFTER_SECONDS = 1;

export interface HookAdmissionLimits {
  maxStarting?: number;
  maxOpen?: number;
  holdMs?: number;
  maxLongOpen?: number;
  longHoldMs?: number;
  /** 0: no waiting, an event that finds no room is refused at once. */
  queueMs?: number;
  maxQueued?: number;
}

export class HookBusy extends HttpProblem {
  readonly retryAfterSeconds = HOOK_RETRY_AFTER_SECONDS;
  constructor(reason: 'hooks_starting' | 'hooks_open', limit: number) {
    super(503, 'Busy', said(reason, { limit, seconds: HOOK_RETRY_AFTER_SECONDS }));
  }
}

/** The sender hung up while its event waited for room: nothing was started, and nobody reads an answer. */
export class HookAbandoned extends Error {
  constructor() {
    super('the sender hung up while its event waited for room');
  }
}

const wholeNumber = (name: string, v: number, min: number) => {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer of at least ${min}`);
  return v;
};

interface Waiter {
  grant(): void;
}

export class HookAdmission {
  private starting = 0;
  private open = 0;
  private longOpen = 0;
  private readonly queue: Waiter[] = [];
  readonly maxStarting: number;
  readonly maxOpen: number;
  readonly holdMs: number;
  readonly maxLongOpen: number;
  readonly longHoldMs: number;
  readonly queueMs: number;
  readonly maxQueued: number;

  constructor(limits: HookAdmissionLimits | number = {}) {
    const l = typeof limits === 'number' ? { maxStarting: limits } : limits;
    this.maxStarting = wholeNumber('maxStarting', l.maxStarting ?? HOOK_MAX_STARTING, 1);
    this.maxOpen = wholeNumber('maxOpen', l.maxOpen ?? HOOK_MAX_OPEN_RUNS, 1);
    this.holdMs = wholeNumber('holdMs', l.holdMs ?? HOOK_OPEN_HOLD_MS, 1);
    this.maxLongOpen = wholeNumber('maxLongOpen', l.maxLongOpen ?? Math.max(HOOK_MAX_LONG_OPEN_RUNS, this.maxOpen), 1);
    this.longHoldMs = wholeNumber('longHoldMs', l.longHoldMs ?? Math.max(HOOK_LONG_HOLD_MS, this.holdMs), 1);
    this.queueMs = wholeNumber('queueMs', l.queueMs ?? HOOK_QUEUE_MS, 0);
    this.maxQueued = wholeNumber('maxQueued', l.maxQueued ?? HOOK_MAX_QUEUED, 0);
  }

  get inFlight(): number {
    return this.starting;
  }

  /** Runs started by events that are still open (and younger than holdMs). */
  get openRuns(): number {
    return this.open;
  }

  /** Runs started by events that are still open (and younger than longHoldMs). */
  get longOpenRuns(): number {
    return this.longOpen;
  }

  /** Events waiting for room. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Runs `work` once there is room, else throws HookBusy (or HookAbandoned once `signal` aborts while waiting); the
   * starting slot is freed however `work` ends. When `work` yields a `closed` promise (a new run), the run holds its
   * slots until it settles or their hold times pass.
   */
  async admit<T extends { closed?: Promise<unknown> }>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    let result: T;
    try {
      result = await work();
    } catch (err) {
      this.starting--;
      this.freed();
      throw err;
    }
    this.starting--;
    // A new run holds its window and ceiling slots; either way the starting slot is free again.
    if (result.closed) this.hold(result.closed);
    this.freed();
    return result;
  }

  /** Takes a starting slot, now or when one frees within queueMs; behind anyone already waiting. */
  private acquire(signal?: AbortSignal): Promise<void> | void {
    if (signal?.aborted) throw new HookAbandoned();
    if (this.queue.length === 0 && this.hasRoom()) {
      this.starting++;
      return;
    }
    if (this.queueMs === 0 || this.queue.length >= this.maxQueued) throw this.busy();
    return new Promise<void>((resolve, reject) => {
      const leave = (err: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abandoned);
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        reject(err);
      };
      const abandoned = () => leave(new HookAbandoned());
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abandoned);
          this.starting++;
          resolve();
        },
      };
      const timer = setTimeout(() => leave(this.busy()), this.queueMs);
      timer.unref?.();
      signal?.addEventListener('abort', abandoned, { once: true });
      this.queue.push(waiter);
    });
  }

  private busy(): HookBusy {
    return this.starting >= this.maxStarting ? new HookBusy('hooks_starting', this.maxStarting) : new HookBusy('hooks_open', this.maxOpen);
  }

  private hasRoom(): boolean {
    return this.open + this.starting < this.maxOpen && this.longOpen + this.starting < this.maxLongOpen && this.starting < this.maxStarting;
  }

  /** A slot freed: the longest-waiting events take what there is room for, in order. */
  private freed(): void {
    while (this.queue.length > 0 && this.hasRoom()) this.queue.shift()!.grant();
  }

  /** A new run holds a window slot for holdMs and a ceiling slot for longHoldMs, or until it closes, whichever is first. */
  private hold(closed: Promise<unknown>): void {
    const window = this.slot(this.holdMs, () => this.open--);
    const ceiling = this.slot(this.longHoldMs, () => this.longOpen--);
    this.open++;
    this.longOpen++;
    const release = () => {
      window();
      ceiling();
    };
    closed.then(release, release);
  }

  /** A slot given back once, by its timer or by the run's close. The timer must not keep a stopping process alive. */
  private slot(ms: number, giveBack: () => void): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const release = () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      giveBack();
      this.freed();
    };
    timer = setTimeout(release, ms);
    timer.unref?.();
    return release;
  }
}
