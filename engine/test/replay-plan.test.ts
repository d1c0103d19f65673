import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planReplay, replayRows } from '../scripts/replay-plan.ts';

const row = (ts: string, rest = 'sms,clicks,1') => ({ ts, line: `${ts},${rest}` });

describe('the replay plan', () => {
  it('groups points by timestamp in time order, at speed simulated seconds per wall second', () => {
    const plan = planReplay(
      [
        row('2026-05-20T02:00:00Z'),
        row('2026-05-20T00:00:00Z', 'sms,spend,2'),
        row('2026-05-20T00:00:00Z'),
        row('2026-05-20T01:00:00+00:00'),
      ],
      3600,
    );
    expect(plan.map((b) => [b.offsetMs, b.lines.length])).toEqual([
      [0, 2],
      [1000, 1],
      [2000, 1],
    ]);
    expect(plan[0]!.lines).toEqual(['2026-05-20T00:00:00Z,sms,spend,2', '2026-05-20T00:00:00Z,sms,clicks,1']);
    // The same instant written with another offset is the same batch.
    expect(planReplay([row('2026-05-20T08:00:00+08:00'), row('2026-05-20T00:00:00Z')], 60)).toHaveLength(1);
  });

  it('splits a timestamp with more points than a batch takes, at one offset', () => {
    const rows = Array.from({ length: 7 }, (_, i) => row('2026-05-20T00:00:00Z', `c${i},clicks,1`));
    expect(planReplay(rows, 1, 3).map((b) => [b.offsetMs, b.lines.length])).toEqual([
      [0, 3],
      [0, 3],
      [0, 1],
    ]);
  });

  it('the 618 file: 720 hourly batches of 21 points, an hour a second at 3600', () => {
    const rows = replayRows(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.metrics.csv', import.meta.url)), 'utf8'));
    const plan = planReplay(rows, 3600);
    expect(plan).toHaveLength(720);
    expect(plan.every((b) => b.lines.length === 21)).toBe(true);
    expect(plan.at(-1)!.offsetMs).toBe(719_000);
  });

  it('refuses a speed that is not positive, and a line without a time', () => {
    for (const speed of [0, -1, NaN, Infinity]) expect(() => planReplay([row('2026-05-20T00:00:00Z')], speed)).toThrow(RangeError);
    expect(() => planReplay([{ ts: 'soon', line: 'soon,sms,clicks,1' }], 1)).toThrow(RangeError);
  });

  it('property: every line is planned once, offsets never decrease, and no batch is over the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 300 }),
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        (minutes, speed, max) => {
          const rows = minutes.map((m, i) => row(new Date(Date.UTC(2026, 4, 20) + m * 60_000).toISOString(), `c${i},clicks,1`));
          const plan = planReplay(rows, speed, max);
          expect(plan.flatMap((b) => b.lines).sort()).toEqual(rows.map((r) => r.line).sort());
          for (let i = 1; i < plan.length; i++) expect(plan[i]!.offsetMs).toBeGreaterThanOrEqual(plan[i - 1]!.offsetMs);
          expect(plan.every((b) => b.lines.length <= max && b.lines.every((l) => Date.parse(l.split(',')[0]!) === b.simMs))).toBe(true);
        },
      ),
      { seed: 3600 },
    );
  });
});
