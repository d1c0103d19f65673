import { HttpProblem } from '../api/problem.ts';
import { said, type ProblemParams } from '@flightdeck/workflows';

/** Milliseconds since the epoch; injected so tests move time instead of sleeping. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

/**
 * Counters live in this process's memory, not in PostgreSQL: a sign-in then costs no extra round
 * trip, and a restart forgetting them only gives an attacker a fresh allowance, not a way in. With
 * several API processes each keeps its own counters, so the limits below multiply by their number.
 */
const MAX_KEYS = 100_000;

export interface LockoutPolicy {
  /** Failures in a row that lock the key. */
  threshold: number;
  /** The first lockout; each further one doubles, up to `maxLockMs`. */
  baseLockMs: number;
  maxLockMs: number;
  /** A key with no failure for this long starts over (failures and backoff). */
  forgetAfterMs: number;
}

interface Entry {
  failures: number;
  /** How many lockouts so far: the next one lasts base × 2^level. */
  level: number;
  lockedUntil: number;
  lastFailure: number;
}

/** N failures in a row lock a key for a short time that doubles with each lockout. */
export class Lockout {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly policy: LockoutPolicy,
    private readonly clock: Clock,
  ) {}

  /** Milliseconds until the key may try again; 0 when it may now. */
  retryAfterMs(key: string): number {
    const e = this.live(key);
    return e ? Math.max(0, e.lockedUntil - this.clock()) : 0;
  }

  fail(key: string): void {
    const now = this.clock();
    const e = this.live(key) ?? { failures: 0, level: 0, lockedUntil: 0, lastFailure: now };
    e.failures += 1;
    e.lastFailure = now;
    if (e.failures >= this.policy.threshold) {
      e.lockedUntil = now + Math.min(this.policy.baseLockMs * 2 ** e.level, this.policy.maxLockMs);
      e.level += 1;
      e.failures = 0;
    }
    // Re-inserted so the map's order is least recently failed first, for the eviction below.
    this.entries.delete(key);
    this.entries.set(key, e);
    this.evict();
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.clock() - Math.max(e.lastFailure, e.lockedUntil) >= this.policy.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Random e-mail addresses must not grow memory without bound: the least recently failed go first. */
  private evict(): void {
    while (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** At most `limit` hits per key in each fixed window of `windowMs`. */
export class RateWindow {
  private readonly windows = new Map<string, { start: number; hits: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Counts a hit; the milliseconds to wait when it is over the limit, else 0. */
  hit(key: string): number {
    const now = this.clock();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      this.windows.delete(key);
      w = { start: now, hits: 0 };
      this.windows.set(key, w);
      if (this.windows.size > MAX_KEYS) this.windows.delete(this.windows.keys().next().value!);
    }
    w.hits += 1;
    return w.hits > this.limit ? w.start + this.windowMs - now : 0;
  }
}

/** A 429; the edge sends `retryAfterSeconds` as the Retry-After header. */
export class RateLimited extends HttpProblem {
  readonly retryAfterSeconds: number;
  constructor(waitMs: number, detail: 'too_many_sign_ins' | 'too_many_bad_signatures' | 'too_many_events', params: ProblemParams = {}) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    super(429, 'Too many requests', said(detail, { ...params, seconds }));
    this.retryAfterSeconds = seconds;
  }
}

const MINUTE = 60_000;

/**
 * Sign-in limits. A lockout is per (address, client IP) first, so an attacker elsewhere cannot
 * lock the owner out; the address-wide and IP-wide limits are higher and stop guessing spread
 * over many IPs or many addresses. Every lockout is short and temporary (at most 15 minutes),
 * and an unknown address is counted exactly like a known one.
 */
export const SIGN_IN_LIMITS = {
  pair: { threshold: 5, baseLockMs: 30_000, maxLockMs: 15 * MINUTE, forgetAfterMs: 60 * MINUTE },
  account: { threshold: 50, baseLockMs: MINUTE, maxLockMs: 15 * MINUTE, forgetAfterMs: 60 * MINUTE },
  ip: { threshold: 100, baseLockMs: MINUTE, maxLockMs: 15 * MINUTE, forgetAfterMs: 60 * MINUTE },
} satisfies Record<string, LockoutPolicy>;

export class SignInGuard {
  private readonly pair: Lockout;
  private readonly account: Lockout;
  private readonly ip: Lockout;

  constructor(clock: Clock = systemClock, limits = SIGN_IN_LIMITS) {
    this.pair = new Lockout(limits.pair, clock);
    this.account = new Lockout(limits.account, clock);
    this.ip = new Lockout(limits.ip, clock);
  }

  /** Throws a 429 while any of the address, the IP or the pair is locked. */
  check(email: string, ip: string): void {
    const wait = Math.max(this.pair.retryAfterMs(pairKey(email, ip)), this.account.retryAfterMs(email), this.ip.retryAfterMs(ip));
    if (wait > 0) throw new RateLimited(wait, 'too_many_sign_ins');
  }

  failed(email: string, ip: string): void {
    this.pair.fail(pairKey(email, ip));
    this.account.fail(email);
    this.ip.fail(ip);
  }

  /** The right password clears the address's counters; the IP's stay (one own account must not reset a guessing IP). */
  succeeded(email: string, ip: string): void {
    this.pair.succeed(pairKey(email, ip));
    this.account.succeed(email);
  }
}

const pairKey = (email: string, ip: string) => `${email}\n${ip}`;

/**
 * The inbound hook endpoint: a plain rate per client IP, and a lockout of IPs that keep sending
 * bad signatures (guessing a secret, or probing which flows have hooks).
 */
export const HOOK_LIMITS = {
  perMinute: 600,
  badSignatures: { threshold: 20, baseLockMs: MINUTE, maxLockMs: 15 * MINUTE, forgetAfterMs: 60 * MINUTE } satisfies LockoutPolicy,
};

export class HookGuard {
  private readonly rate: RateWindow;
  private readonly bad: Lockout;

  constructor(clock: Clock = systemClock, limits = HOOK_LIMITS) {
    this.rate = new RateWindow(limits.perMinute, MINUTE, clock);
    this.bad = new Lockout(limits.badSignatures, clock);
  }

  check(ip: string): void {
    const locked = this.bad.retryAfterMs(ip);
    if (locked > 0) throw new RateLimited(locked, 'too_many_bad_signatures');
    const wait = this.rate.hit(ip);
    if (wait > 0) throw new RateLimited(wait, 'too_many_events', { limit: this.rate.limit });
  }

  rejected(ip: string): void {
    this.bad.fail(ip);
  }
}
