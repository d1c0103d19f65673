import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  campaignTiming,
  compareWithPast,
  median,
  portfolioCsv,
  portfolioFigures,
  PORTFOLIO_CSV_HEADER,
  type PortfolioCsvRow,
} from '../src/review/index.ts';

const phases = [
  { name: 'warm_up', startsAt: '2026-05-20T00:00:00Z', endsAt: '2026-05-27T00:00:00Z' },
  { name: 'burst', startsAt: '2026-05-28T00:00:00Z', endsAt: '2026-06-10T00:00:00Z' },
];

describe('portfolio figures (pure)', () => {
  it('attainment per goal follows the review (CPA is target ÷ actual), overall is their mean, budget use is spent ÷ planned', () => {
    const f = portfolioFigures(
      {
        goals: [
          { kpi: 'revenue', target: 1000 },
          { kpi: 'CAC', target: 50, direction: 'max' },
        ],
        budget: { total: 400, lines: [] },
        phases,
      },
      { revenue: 960, spend: 300, conversions: 6 },
      Date.parse('2026-06-01T00:00:00Z'),
    );
    expect(f.goals.map((g) => [g.kpi, g.rate, g.status])).toEqual([
      ['revenue', 0.96, 'on_track'],
      ['CAC', 1, 'on_track'],
    ]);
    expect(f.attainment).toBeCloseTo(0.98, 12);
    expect(f.roi).toBeCloseTo(3.2, 12);
    expect(f.budgetUse).toBe(0.75);
    expect(f).toMatchObject({ phase: 'burst', timing: 'running', hasMetrics: true, planned: 400 });
  });

  it('no metrics: every figure is null (no value), never 0 or NaN; the plan falls back to the lines', () => {
    const f = portfolioFigures({ goals: [{ kpi: 'roi', target: 3 }], budget: { lines: [{ channel: 'sms', amount: 70 }] } }, {}, 0);
    expect(f).toMatchObject({ attainment: null, attainmentStatus: null, roi: null, spent: null, budgetUse: null, planned: 70 });
    expect(f.goals[0]).toMatchObject({ actual: null, rate: null, status: null });
    expect(f.hasMetrics).toBe(false);
  });

  it('timing: before, between, after the phases, and none', () => {
    const at = (iso: string) => campaignTiming({ phases }, Date.parse(iso));
    expect(at('2026-05-01T00:00:00Z')).toEqual({ phase: null, timing: 'not_started' });
    expect(at('2026-05-27T12:00:00Z')).toEqual({ phase: null, timing: 'between_phases' });
    expect(at('2026-06-10T00:00:00Z')).toEqual({ phase: null, timing: 'ended' });
    expect(campaignTiming({ phases: [] }, 0)).toEqual({ phase: null, timing: 'no_phases' });
  });

  it('property: the rank is 1 + the campaigns strictly better, the median is between the extremes, nothing is NaN', () => {
    const value = fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: undefined });
    fc.assert(
      fc.property(value, value, fc.array(fc.tuple(value, value), { maxLength: 12 }), (rev, spend, past) => {
        const sums = (r?: number, s?: number) => ({ ...(r === undefined ? {} : { revenue: r }), ...(s === undefined ? {} : { spend: s }) });
        const self = { id: 'self', name: 'Self', total: sums(rev, spend), goals: [{ kpi: 'roi', target: 3 }] };
        const others = past.map(([r, s], i) => ({ id: `p${i}`, name: `P${i}`, total: sums(r, s) }));
        const out = compareWithPast(self, others);
        expect(out[0]!.metric).toBe('roi');
        expect(JSON.stringify(out)).not.toMatch(/NaN|Infinity/);
        const roi = out[0]!;
        const known = roi.others.map((o) => o.value).filter((v): v is number => v !== null);
        if (roi.value === null) expect(roi.rank).toBeNull();
        else expect(roi.rank).toBe(1 + known.filter((v) => v > roi.value!).length);
        if (known.length) {
          expect(roi.median!).toBeGreaterThanOrEqual(Math.min(...known));
          expect(roi.median!).toBeLessThanOrEqual(Math.max(...known));
        } else expect(roi.median).toBeNull();
        // CPA: lower is better, so the rank counts the cheaper ones.
        const cpa = out.find((k) => k.metric === 'cpa')!;
        expect(cpa.better).toBe('lower');
      }),
      { numRuns: 300, seed: 13 },
    );
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it("property: CSV cells a spreadsheet would run are defused, every row has the header's columns", () => {
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('=1+1', '+cmd', '-2', '@SUM(A1)', '\tx', 'a,"b"\nc'));
    fc.assert(
      fc.property(text, fc.option(text, { nil: null }), (name, department) => {
        const row: PortfolioCsvRow = {
          ...portfolioFigures({ goals: [{ kpi: name || 'x', target: 1 }] }, { revenue: 1 }, 0),
          name,
          department,
          status: 'draft',
          currency: 'CNY',
        };
        const csv = portfolioCsv([row]);
        const [header, line] = csv.split('\r\n');
        expect(header).toBe(PORTFOLIO_CSV_HEADER);
        // The first cell, quoted or not, never starts a formula.
        const first = line!.startsWith('"') ? line!.slice(1) : line!;
        if (name) expect(first).not.toMatch(/^[=+\-@\t\r]/);
        if (!/[",\r\n]/.test(name)) expect(line!.startsWith(/^[=+\-@\t\r]/.test(name) ? `'${name}` : name)).toBe(true);
      }),
      { numRuns: 300, seed: 14 },
    );
  });
});
