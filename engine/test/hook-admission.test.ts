import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { HookAdmission, HookBusy } from '../src/api/hook-admission.ts';

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

/**
 * Backpressure on POST /api/hooks: a bounded number of events starting runs and of open runs that events started; an
 * event that finds no room waits its turn for at most queueMs, behind at most maxQueued others, and is refused with
 * 503 past that. Time is fake here: the queue's deadlines move only when the property says so; holdMs is an hour.
 */
describe('hook admission', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never exceeds its bounds, grants waiting events in order, refuses exactly past them, and frees every slot', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(0, 1_000),
        fc.integer({ min: 0, max: 4 }),
        fc.array(
          fc.oneof(
            fc.constant({ op: 'admit' as const }),
            fc.record({ op: fc.constantFrom('started' as const, 'startFailed' as const, 'closed' as const), pick: fc.nat() }),
            fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 1_000 }) }),
          ),
          { maxLength: 60 },
        ),
        async (maxStarting, maxOpen, queueMs, maxQueued, ops) => {
          const gate = new HookAdmission({ maxStarting, maxOpen, holdMs: 3_600_000, queueMs, maxQueued });
          interface Event {
            id: number;
            start: Deferred;
            closed: Deferred;
            done: Promise<unknown>;
            deadline: number;
          }
          let now = 0;
          let ids = 0;
          const granted: number[] = [];
          const starting: Event[] = [];
          const waiting: Event[] = [];
          const open: Deferred[] = [];
          const refused: Promise<unknown>[] = [];
          const room = () => starting.length + open.length < maxOpen && starting.length < maxStarting;
          // What the gate must do when a slot frees: the longest-waiting events start while there is room.
          const grantWaiting = () => {
            while (waiting.length && room()) starting.push(waiting.shift()!);
          };
          for (const step of ops) {
            if (step.op === 'admit') {
              const start = deferred();
              const closed = deferred();
              const id = ids++;
              const done = gate
                .admit(() => {
                  granted.push(id);
                  return start.promise.then(() => ({ closed: closed.promise }));
                })
                .catch((e: unknown) => e);
              const event = { id, start, closed, done, deadline: now + queueMs };
              if (starting.length >= maxStarting) refused.push(done);
              else if (waiting.length === 0 && room()) starting.push(event);
              else if (queueMs > 0 && waiting.length < maxQueued) waiting.push(event);
              else refused.push(done);
            } else if (step.op === 'tick') {
              now += step.ms;
              await vi.advanceTimersByTimeAsync(step.ms);
              while (waiting.length && waiting[0]!.deadline <= now) refused.push(waiting.shift()!.done);
            } else if (step.op === 'closed') {
              if (open.length) open.splice(step.pick % open.length, 1)[0]!.resolve();
              grantWaiting();
            } else if (starting.length) {
              const [s] = starting.splice(step.pick % starting.length, 1);
              if (step.op === 'started') {
                s!.start.resolve();
                open.push(s!.closed);
              } else s!.start.reject(new Error('start failed'));
              grantWaiting();
            }
            await settle();
            for (const r of refused.splice(0)) expect(await r).toBeInstanceOf(HookBusy);
            expect(gate.inFlight).toBe(starting.length);
            expect(gate.openRuns).toBe(open.length);
            expect(gate.queued).toBe(waiting.length);
            expect(granted).toEqual(expect.arrayContaining(starting.map((e) => e.id)));
            expect(gate.inFlight).toBeLessThanOrEqual(maxStarting);
            expect(gate.inFlight + gate.openRuns).toBeLessThanOrEqual(maxOpen);
            expect(gate.queued).toBeLessThanOrEqual(maxQueued);
          }
          // Granted in the order they came: ids only rise.
          expect(granted).toEqual([...granted].sort((a, b) => a - b));
          // Whoever still waits runs out of time.
          await vi.advanceTimersByTimeAsync(queueMs);
          for (const w of waiting.splice(0)) expect(await w.done).toBeInstanceOf(HookBusy);
          for (const s of starting) s.start.reject(new Error('stop'));
          await Promise.all(starting.map((s) => s.done));
          for (const o of open) o.reject(new Error('run failed'));
          await settle();
          expect(gate.inFlight).toBe(0);
          expect(gate.openRuns).toBe(0);
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
    const least = { maxStarting: 1, maxOpen: 1, holdMs: 1, queueMs: 0, maxQueued: 0 } as const;
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
