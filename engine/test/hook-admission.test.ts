import { describe, expect, it } from 'vitest';
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
 * Backpressure on POST /api/hooks: a bounded number of events starting runs and a bounded number of
 * open runs that events started; the rest refused with 503. Time never matters here: holdMs is an hour.
 */
describe('hook admission', () => {
  it('never exceeds either bound, refuses exactly at them, and frees every slot however starts and runs end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(
          fc.oneof(
            fc.constant({ op: 'admit' as const }),
            fc.record({ op: fc.constantFrom('started' as const, 'startFailed' as const, 'closed' as const), pick: fc.nat() }),
          ),
          { maxLength: 60 },
        ),
        async (maxStarting, maxOpen, ops) => {
          const gate = new HookAdmission({ maxStarting, maxOpen, holdMs: 3_600_000 });
          const starting: { start: Deferred; closed: Deferred; done: Promise<unknown> }[] = [];
          const open: Deferred[] = [];
          for (const step of ops) {
            if (step.op === 'admit') {
              const refuse = gate.inFlight >= maxStarting || gate.inFlight + gate.openRuns >= maxOpen;
              const start = deferred();
              const closed = deferred();
              const done = gate.admit(() => start.promise.then(() => ({ closed: closed.promise }))).catch((e: unknown) => e);
              if (refuse) expect(await done).toBeInstanceOf(HookBusy);
              else starting.push({ start, closed, done });
            } else if (step.op === 'closed') {
              if (open.length) open.splice(step.pick % open.length, 1)[0]!.resolve();
            } else if (starting.length) {
              const [s] = starting.splice(step.pick % starting.length, 1);
              if (step.op === 'started') {
                s!.start.resolve();
                open.push(s!.closed);
              } else s!.start.reject(new Error('start failed'));
              await s!.done;
            }
            await settle();
            expect(gate.inFlight).toBe(starting.length);
            expect(gate.openRuns).toBe(open.length);
            expect(gate.inFlight).toBeLessThanOrEqual(maxStarting);
            expect(gate.inFlight + gate.openRuns).toBeLessThanOrEqual(maxOpen);
          }
          for (const s of starting) s.start.reject(new Error('stop'));
          await Promise.all(starting.map((s) => s.done));
          for (const o of open) o.reject(new Error('run failed'));
          await settle();
          expect(gate.inFlight).toBe(0);
          expect(gate.openRuns).toBe(0);
        },
      ),
    );
  });

  it('a refusal is a 503 problem with a Retry-After in seconds', async () => {
    const gate = new HookAdmission({ maxStarting: 1 });
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

  it('rejects bounds that are not positive integers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('maxStarting' as const, 'maxOpen' as const, 'holdMs' as const),
        fc.oneof(
          fc.integer({ max: 0 }),
          fc.double().filter((d) => !Number.isInteger(d)),
        ),
        (field, bad) => {
          expect(() => new HookAdmission({ [field]: bad })).toThrow(RangeError);
        },
      ),
    );
  });
});
