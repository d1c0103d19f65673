import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { HookAbandoned, HookAdmission, HookBusy } from '../src/api/hook-admission.ts';

interface Deferred {
  resolve: () => void;
  reject: (e: Error) => void;
  promise: Promise<void>;
}
const deferred = (): Deferred => {
  let resolve!: () => void, reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { resolve, reject, promise };
};
const settle = () => new Promise<void>((r) => setImmediate(r));
const UNSETTLED = Symbol('unsettled');
/** What the promise settled with by now, or UNSETTLED: a model that is wrong then fails the property instead of hanging it. */
const settledNow = (p: Promise<unknown>) => Promise.race([p, settle().then(() => UNSETTLED)]);

/**
 * Backpressure on POST /api/hooks: a bounded number of events starting runs, of open runs that events started within
 * the window's hold and within the ceiling's longer hold; an event that finds no room waits its turn for at most
 * queueMs, behind at most maxQueued others, and is refused with 503 past that, or leaves when its sender hangs up.
 * Time is fake: the property moves it, and the model replays every timer due in between in the order they fire.
 */
describe('hook admission', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const step = fc.oneof(
    { arbitrary: fc.record({ op: fc.constantFrom('admit' as const, 'admit' as const, 'admitThrows' as const) }), weight: 3 },
    fc.record({ op: fc.constantFrom('started' as const, 'duplicate' as const, 'startFailed' as const), pick: fc.nat() }),
    fc.record({ op: fc.constantFrom('closed' as const, 'hangUp' as const), pick: fc.nat() }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 1_500 }) }),
  );

  it('never exceeds its bounds, grants waiting events in order, refuses exactly past them, and frees every slot', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxStarting: fc.integer({ min: 1, max: 6 }),
          maxOpen: fc.integer({ min: 1, max: 8 }),
          maxLongOpen: fc.integer({ min: 1, max: 10 }),
          holdMs: fc.integer({ min: 1, max: 2_000 }),
          longExtraMs: fc.integer({ min: 0, max: 3_000 }),
          queueMs: fc.constantFrom(0, 700, 2_500),
          maxQueued: fc.integer({ min: 0, max: 4 }),
        }),
        // 'large': fast-check's default size keeps arrays to about ten steps, too few to fill the bounds and wait.
        fc.array(step, { minLength: 5, maxLength: 80, size: 'large' }),
        async ({ longExtraMs, ...limits }, ops) => {
          const { maxStarting, maxOpen, maxLongOpen, holdMs, queueMs, maxQueued } = limits;
          const longHoldMs = holdMs + longExtraMs;
          const gate = new HookAdmission({ ...limits, longHoldMs });
          interface Event {
            id: number;
            throws: boolean;
            duplicate: boolean;
            start: Deferred;
            closed: Deferred;
            done: Promise<unknown>;
            hangUp: AbortController;
            timeoutAt: number;
            seq: number;
          }
          interface Open {
            closed: Deferred;
            short: { at: number; seq: number } | null;
            long: { at: number; seq: number } | null;
          }
          let now = 0;
          let ids = 0;
          // The order fake timers were set in, which is the order timers due at the same time fire in.
          let seq = 0;
          const granted: number[] = [];
          const starting: Event[] = [];
          const waiting: Event[] = [];
          const open: Open[] = [];
          const expect503: Promise<unknown>[] = [];
          const expectAbandoned: Promise<unknown>[] = [];
          const expectThrown: Promise<unknown>[] = [];
          const openCount = () => open.filter((o) => o.short).length;
          const longCount = () => open.filter((o) => o.long).length;
          const room = () =>
            openCount() + starting.length < maxOpen && longCount() + starting.length < maxLongOpen && starting.length < maxStarting;
          /** Slots freed: the longest-waiting events start while there is room (one whose work throws gives its slot back). */
          const grantWaiting = () => {
            while (waiting.length && room()) {
              const e = waiting.shift()!;
              granted.push(e.id);
              if (e.throws) expectThrown.push(e.done);
              else starting.push(e);
            }
          };
          /** Moves the fake clock, and the model through every timer due by then, in the order it fires. */
          const tick = async (ms: number) => {
            const until = now + ms;
            await vi.advanceTimersByTimeAsync(ms);
            // Every timer due by then, in the order it fires: a waiter's time running out, a hold passing.
            for (;;) {
              type Due = { at: number; seq: number; fire: () => void };
              const due: Due[] = [];
              for (const w of waiting)
                due.push({ at: w.timeoutAt, seq: w.seq, fire: () => (waiting.splice(waiting.indexOf(w), 1), expect503.push(w.done)) });
              for (const o of open) {
                if (o.short) due.push({ ...o.short, fire: () => ((o.short = null), grantWaiting()) });
                if (o.long) due.push({ ...o.long, fire: () => ((o.long = null), grantWaiting()) });
              }
              const next = due.filter((d) => d.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
              if (!next) break;
              next.fire();
            }
            now = until;
          };
          for (const s of ops) {
            if (s.op === 'admit' || s.op === 'admitThrows') {
              const throws = s.op === 'admitThrows';
              const start = deferred();
              const closed = deferred();
              const hangUp = new AbortController();
              const id = ids++;
              const done = gate
                .admit(() => {
                  if (throws) throw new Error('work threw');
                  // A duplicate's work yields no run to hold.
                  return start.promise.then(() => ({ closed: event.duplicate ? undefined : closed.promise }));
                }, hangUp.signal)
                .catch((e: unknown) => e);
              const event: Event = { id, throws, duplicate: false, start, closed, done, hangUp, timeoutAt: now + queueMs, seq: 0 };
              if (waiting.length === 0 && room()) {
                granted.push(id);
                if (throws) expectThrown.push(done);
                else starting.push(event);
              } else if (queueMs > 0 && waiting.length < maxQueued) {
                event.seq = seq++;
                waiting.push(event);
              } else expect503.push(done);
            } else if (s.op === 'tick') {
              await tick(s.ms);
            } else if (s.op === 'closed' || s.op === 'hangUp') {
              if (s.op === 'hangUp' && waiting.length) {
                const [w] = waiting.splice(s.pick % waiting.length, 1);
                w!.hangUp.abort();
                expectAbandoned.push(w!.done);
              } else if (s.op === 'closed' && open.length) {
                const [o] = open.splice(s.pick % open.length, 1);
                o!.closed.resolve();
                grantWaiting();
              }
            } else if ((s.op === 'started' || s.op === 'duplicate' || s.op === 'startFailed') && starting.length) {
              const [e] = starting.splice(s.pick % starting.length, 1);
              if (s.op === 'started') {
                e!.start.resolve();
                const o: Open = { closed: e!.closed, short: { at: now + holdMs, seq: seq++ }, long: null };
                o.long = { at: now + longHoldMs, seq: seq++ };
                open.push(o);
                // Its starting slot is free again (it may be maxStarting that held the queue).
                grantWaiting();
              } else {
                e!.duplicate = s.op === 'duplicate';
                if (e!.duplicate) e!.start.resolve();
                else e!.start.reject(new Error('start failed'));
                grantWaiting();
              }
            }
            await settle();
            for (const r of expect503.splice(0)) expect(await settledNow(r)).toBeInstanceOf(HookBusy);
            for (const r of expectAbandoned.splice(0)) expect(await settledNow(r)).toBeInstanceOf(HookAbandoned);
            for (const r of expectThrown.splice(0)) expect(await settledNow(r)).toMatchObject({ message: 'work threw' });
            expect(gate.inFlight).toBe(starting.length);
            expect(gate.openRuns).toBe(openCount());
            expect(gate.longOpenRuns).toBe(longCount());
            expect(gate.queued).toBe(waiting.length);
            expect(gate.inFlight).toBeLessThanOrEqual(maxStarting);
            expect(gate.inFlight + gate.openRuns).toBeLessThanOrEqual(maxOpen);
            expect(gate.inFlight + gate.longOpenRuns).toBeLessThanOrEqual(maxLongOpen);
            expect(gate.queued).toBeLessThanOrEqual(maxQueued);
          }
          // Granted in the order they came: ids only rise.
          expect(granted).toEqual([...granted].sort((a, b) => a - b));
          // Whoever still waits is admitted or runs out of time; then every run ends.
          await tick(queueMs + longHoldMs + 1);
          await settle();
          for (const r of expect503.splice(0)) expect(await settledNow(r)).toBeInstanceOf(HookBusy);
          for (const r of expectThrown.splice(0)) expect(await settledNow(r)).toMatchObject({ message: 'work threw' });
          expect(waiting).toHaveLength(0);
          for (const e of starting) e.start.reject(new Error('stop'));
          for (const e of starting) expect(await settledNow(e.done)).toMatchObject({ message: 'stop' });
          for (const o of open) o.closed.reject(new Error('run failed'));
          await settle();
          expect(gate.inFlight).toBe(0);
          expect(gate.openRuns).toBe(0);
          expect(gate.longOpenRuns).toBe(0);
          expect(gate.queued).toBe(0);
        },
      ),
    );
  });

  it('an event that waits is answered as soon as a run ends, without waiting out its time', async () => {
    const gate = new HookAdmission({ maxOpen: 1, queueMs: 60_000 });
    const firstClosed = deferred();
    await gate.admit(async () => ({ closed: firstClosed.promise }));
    let second: unknown;
    const waiting = gate.admit(async () => ({ runId: 'second', closed: undefined })).then((r) => (second = r));
    await settle();
    expect(gate.queued).toBe(1);
    expect(second).toBeUndefined();
    firstClosed.resolve();
    await waiting;
    expect(second).toEqual({ runId: 'second', closed: undefined });
    expect(gate.queued).toBe(0);
  });

  it('a refusal is a 503 problem with a Retry-After in seconds', async () => {
    const gate = new HookAdmission({ maxStarting: 1, queueMs: 0 });
    const first = deferred();
    const admitted = gate.admit(() => first.promise.then(() => ({})));
    const refused = await gate.admit(async () => ({})).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HookBusy);
    expect((refused as HookBusy).status).toBe(503);
    expect((refused as HookBusy).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    first.resolve();
    await admitted;
    expect(await gate.admit(async () => ({ runId: 'r', closed: undefined }))).toEqual({ runId: 'r', closed: undefined });
  });

  it('rejects bounds that are not whole numbers in range (the queue may be 0: no waiting)', () => {
    const least = { maxStarting: 1, maxOpen: 1, holdMs: 1, maxLongOpen: 1, longHoldMs: 1, queueMs: 0, maxQueued: 0 } as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(least) as (keyof typeof least)[])).chain((field) =>
          fc.tuple(
            fc.constant(field),
            fc.oneof(
              fc.integer({ max: least[field] - 1 }),
              fc.double().filter((d) => !Number.isInteger(d)),
            ),
          ),
        ),
        ([field, bad]) => {
          expect(() => new HookAdmission({ [field]: bad })).toThrow(RangeError);
        },
      ),
    );
  });
});
