import { HttpProblem } from './problem.ts';
import { said } from '@flightdeck/workflows';

/**
 * Backpressure for the inbound hook endpoint, per API process:
 * - at most `maxOpen` runs that events started are open at once, counting each for at most `holdMs` (a run that
 *   waits on purpose, for an approval or a date, stops counting after that), events still starting included;
 * - an event that finds no room waits for one, first come first served, for at most `queueMs`, and at most
 *   `maxQueued` events wait; past either it is answered 503 with Retry-After, and Standard Webhooks senders retry;
 * - at most `maxStarting` events are being turned into runs at once (claim, run row, workflow start).
 *
 * Why a small window and a short wait, not a deep queue: by Little's law an admitted event waits about
 * maxOpen / (runs completed per second) for its run. A sender that sends its next event on each 202 (as Standard
 * Webhooks senders do, a few connections per endpoint) keeps whatever window there is full, so the window is the
 * latency it sees: 200 open runs at 50 runs/s was 4 s behind; 24 is about half a second, and the sender is slowed to
 * the rate runs complete instead of being answered at once and queued. 24 is measured to keep the worker busy: the
 * webhook bench's completed runs/s does not rise past it on this machine (README, Performance).
 *
 * holdMs bounds how long a run that stays open on purpose takes a slot: flows whose runs wait (an approval per event)
 * are admitted at up to maxOpen / holdMs events per second, 12/s, where a run that ends stops counting at once.
 */
export const HOOK_MAX_OPEN_RUNS = 24;
export const HOOK_OPEN_HOLD_MS = 2_000;
/** Longer than the hold: a burst that fills the window is admitted when the hold passes, not refused at that instant. */
export const HOOK_QUEUE_MS = 3_000;
export const HOOK_MAX_QUEUED = 64;
export const HOOK_MAX_STARTING = 64;
export const HOOK_RETRY_AFTER_SECONDS = 1;

export interface HookAdmissionLimits {
  maxStarting?: number;
  maxOpen?: number;
  holdMs?: number;
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
  private readonly queue: Waiter[] = [];
  readonly maxStarting: number;
  readonly maxOpen: number;
  readonly holdMs: number;
  readonly queueMs: number;
  readonly maxQueued: number;

  constructor(limits: HookAdmissionLimits | number = {}) {
    const l = typeof limits === 'number' ? { maxStarting: limits } : limits;
    this.maxStarting = wholeNumber('maxStarting', l.maxStarting ?? HOOK_MAX_STARTING, 1);
    this.maxOpen = wholeNumber('maxOpen', l.maxOpen ?? HOOK_MAX_OPEN_RUNS, 1);
    this.holdMs = wholeNumber('holdMs', l.holdMs ?? HOOK_OPEN_HOLD_MS, 1);
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

  /** Events waiting for room. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Runs `work` once there is room, else throws HookBusy; the starting slot is freed however `work` ends. When `work`
   * yields a `closed` promise (a new run), the run holds an open slot until it settles or holdMs passes.
   */
  async admit<T extends { closed?: Promise<unknown> }>(work: () => Promise<T>): Promise<T> {
    if (this.starting >= this.maxStarting) throw new HookBusy('hooks_starting', this.maxStarting);
    await this.acquire();
    let result: T;
    try {
      result = await work();
    } catch (err) {
      this.starting--;
      this.freed();
      throw err;
    }
    this.starting--;
    // A new run takes over the slot; anything else (a duplicate event) gives it back.
    if (result.closed) this.hold(result.closed);
    else this.freed();
    return result;
  }

  /** Takes a starting slot, now or when one frees within queueMs; behind anyone already waiting. */
  private acquire(): Promise<void> | void {
    if (this.queue.length === 0 && this.hasRoom()) {
      this.starting++;
      return;
    }
    if (this.queueMs === 0 || this.queue.length >= this.maxQueued) throw new HookBusy('hooks_open', this.maxOpen);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          this.starting++;
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        reject(new HookBusy('hooks_open', this.maxOpen));
      }, this.queueMs);
      timer.unref?.();
      this.queue.push(waiter);
    });
  }

  private hasRoom(): boolean {
    return this.open + this.starting < this.maxOpen && this.starting < this.maxStarting;
  }

  /** A slot freed: the longest-waiting events take what there is room for, in order. */
  private freed(): void {
    while (this.queue.length > 0 && this.hasRoom()) this.queue.shift()!.grant();
  }

  private hold(closed: Promise<unknown>): void {
    this.open++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const release = () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      this.open--;
      this.freed();
    };
    timer = setTimeout(release, this.holdMs);
    // A timer must not keep a stopping process alive.
    timer.unref?.();
    closed.then(release, release);
  }
}
