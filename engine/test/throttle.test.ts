import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HookGuard, HOOK_LIMITS, Lockout, RateLimited, RateWindow, SignInGuard, SIGN_IN_LIMITS } from '../src/auth/throttle.ts';
import { requiredScope, tokenMay, TOKEN_SCOPES, type RouteScope } from '../src/auth/scopes.ts';

/** A clock the test moves by hand. */
function fakeClock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const waitOf = (f: () => void): number | null => {
  try {
    f();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(RateLimited);
    return (err as RateLimited).retryAfterSeconds;
  }
};

describe('Lockout', () => {
  it('locks at exactly the threshold, for base × 2^n capped at the maximum, and forgets after a quiet period', () => {
    fc.assert(
      fc.property(
        fc.record({
          threshold: fc.integer({ min: 1, max: 8 }),
          baseLockMs: fc.integer({ min: 1, max: 60_000 }),
          maxLockMs: fc.integer({ min: 60_000, max: 900_000 }),
        }),
        fc.integer({ min: 1, max: 6 }),
        fc.string({ maxLength: 40 }),
        (p, rounds, key) => {
          const clock = fakeClock();
          const lock = new Lockout({ ...p, forgetAfterMs: 3_600_000 }, clock.now);
          for (let round = 0; round < rounds; round++) {
            for (let i = 0; i < p.threshold - 1; i++) {
              lock.fail(key);
              expect(lock.retryAfterMs(key), `failure ${i + 1} of ${p.threshold} does not lock`).toBe(0);
            }
            lock.fail(key);
            const want = Math.min(p.baseLockMs * 2 ** round, p.maxLockMs);
            expect(lock.retryAfterMs(key)).toBe(want);
            clock.advance(want - 1);
            expect(lock.retryAfterMs(key)).toBe(1);
            clock.advance(1);
            expect(lock.retryAfterMs(key)).toBe(0);
          }
          // After an hour without failures the backoff starts over.
          clock.advance(3_600_000);
          for (let i = 0; i < p.threshold; i++) lock.fail(key);
          expect(lock.retryAfterMs(key)).toBe(Math.min(p.baseLockMs, p.maxLockMs));
          lock.succeed(key);
          expect(lock.retryAfterMs(key)).toBe(0);
        },
      ),
    );
  });

  it('keeps keys apart', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 20 }), { minLength: 2, maxLength: 5 }), (keys) => {
        const clock = fakeClock();
        const lock = new Lockout({ threshold: 3, baseLockMs: 1000, maxLockMs: 10_000, forgetAfterMs: 60_000 }, clock.now);
        for (let i = 0; i < 3; i++) lock.fail(keys[0]!);
        expect(lock.retryAfterMs(keys[0]!)).toBe(1000);
        for (const k of keys.slice(1)) expect(lock.retryAfterMs(k)).toBe(0);
      }),
    );
  });
});

describe('SignInGuard', () => {
  it('the owner on another IP is not locked out by guesses from one IP; the address-wide limit needs many IPs', () => {
    const clock = fakeClock();
    const guard = new SignInGuard(clock.now);
    for (let i = 0; i < SIGN_IN_LIMITS.pair.threshold; i++) guard.failed('dana@x.test', '203.0.113.9');
    expect(waitOf(() => guard.check('dana@x.test', '203.0.113.9'))).toBe(30);
    expect(waitOf(() => guard.check('dana@x.test', '198.51.100.1'))).toBeNull();
    // 50 failures over 10 IPs lock the address everywhere, for a minute.
    for (let ip = 0; ip < 10; ip++) for (let i = 0; i < 5; i++) guard.failed('evan@x.test', `10.0.0.${ip}`);
    expect(waitOf(() => guard.check('evan@x.test', '198.51.100.1'))).toBe(60);
    clock.advance(60_000);
    expect(waitOf(() => guard.check('evan@x.test', '198.51.100.1'))).toBeNull();
  });

  it('one IP guessing across many addresses is stopped by the IP limit; its own right password does not reset it', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.emailAddress(), { minLength: SIGN_IN_LIMITS.ip.threshold, maxLength: SIGN_IN_LIMITS.ip.threshold }),
        (emails) => {
          const guard = new SignInGuard(fakeClock().now);
          for (const e of emails.slice(0, -1)) guard.failed(e, '192.0.2.1');
          expect(waitOf(() => guard.check('fresh@x.test', '192.0.2.1'))).toBeNull();
          guard.failed(emails.at(-1)!, '192.0.2.1');
          guard.succeeded('mine@x.test', '192.0.2.1');
          expect(waitOf(() => guard.check('fresh@x.test', '192.0.2.1'))).toBe(60);
          expect(waitOf(() => guard.check('fresh@x.test', '192.0.2.2'))).toBeNull();
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('RateWindow and HookGuard', () => {
  it('allows `limit` hits a window and says when the window ends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1000, max: 120_000 }),
        fc.integer({ min: 0, max: 999 }),
        (limit, windowMs, step) => {
          const clock = fakeClock();
          const w = new RateWindow(limit, windowMs, clock.now);
          for (let i = 0; i < limit; i++) expect(w.hit('k')).toBe(0);
          clock.advance(step);
          expect(w.hit('k')).toBe(windowMs - step);
          clock.advance(windowMs - step);
          expect(w.hit('k')).toBe(0);
        },
      ),
    );
  });

  it('locks out an address that keeps sending bad signatures', () => {
    const clock = fakeClock();
    const guard = new HookGuard(clock.now);
    for (let i = 0; i < HOOK_LIMITS.badSignatures.threshold; i++) {
      expect(waitOf(() => guard.check('192.0.2.7'))).toBeNull();
      guard.rejected('192.0.2.7');
    }
    expect(waitOf(() => guard.check('192.0.2.7'))).toBe(60);
    expect(waitOf(() => guard.check('192.0.2.8'))).toBeNull();
    clock.advance(60_000);
    expect(waitOf(() => guard.check('192.0.2.7'))).toBeNull();
  });
});

describe('token scopes', () => {
  const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'post'];
  it('GET/HEAD need read, other methods write, a declared scope wins, and no token passes a session-only route', () => {
    fc.assert(
      fc.property(
        fc.subarray([...TOKEN_SCOPES]),
        fc.constantFrom(...METHODS),
        fc.option(fc.constantFrom<RouteScope>('read', 'write', 'ingest', 'session'), { nil: undefined }),
        (scopes, method, declared) => {
          const required = requiredScope(method, declared);
          const expected = declared ?? (['GET', 'HEAD'].includes(method.toUpperCase()) ? 'read' : 'write');
          expect(required).toBe(expected);
          expect(tokenMay(scopes, required)).toBe(required !== 'session' && scopes.includes(required as never));
        },
      ),
    );
  });
});
