import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HookAdmission, HookBusy } from '../src/api/hook-admission.ts';

/** Backpressure on POST /api/hooks: a bounded number of events starting runs, the rest refused with 503. */
describe('hook admission', () => {
  it('never admits more than the bound, refuses exactly at it, and frees every slot however work ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.oneof(
            fc.constant({ op: 'admit' as const }),
            fc.record({ op: fc.constantFrom('resolve' as const, 'reject' as const), pick: fc.nat() }),
          ),
          { maxLength: 60 },
        ),
        async (max, ops) => {
          const gate = new HookAdmission(max);
          const pending: { resolve: () => void; reject: (e: Error) => void; done: Promise<unknown> }[] = [];
          for (const step of ops) {
            if (step.op === 'admit') {
              const before = gate.inFlight;
              let resolve!: () => void, reject!: (e: Error) => void;
              const work = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
              const done = gate.admit(() => work).catch((e: unknown) => e);
              if (before >= max) expect(await done).toBeInstanceOf(HookBusy);
              else pending.push({ resolve, reject, done });
            } else if (pending.length) {
              const [p] = pending.splice(step.pick % pending.length, 1);
              if (step.op === 'resolve') p!.resolve();
              else p!.reject(new Error('start failed'));
              await p!.done;
            }
            expect(gate.inFlight).toBe(pending.length);
            expect(gate.inFlight).toBeLessThanOrEqual(max);
          }
          for (const p of pending) p.resolve();
          await Promise.all(pending.map((p) => p.done));
          expect(gate.inFlight).toBe(0);
        },
      ),
    );
  });

  it('a refusal is a 503 problem with a Retry-After in seconds', async () => {
    const gate = new HookAdmission(1);
    let release!: () => void;
    const first = gate.admit(() => new Promise<void>((r) => (release = r)));
    const refused = await gate.admit(async () => 'never').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HookBusy);
    expect((refused as HookBusy).status).toBe(503);
    expect((refused as HookBusy).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    release();
    await first;
    expect(await gate.admit(async () => 'ok')).toBe('ok');
  });

  it('rejects bounds that are not positive integers', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ max: 0 }),
          fc.double().filter((d) => !Number.isInteger(d)),
        ),
        (bad) => {
          expect(() => new HookAdmission(bad)).toThrow(RangeError);
        },
      ),
    );
  });
});
