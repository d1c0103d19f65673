import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareCtr, EXACT_CTR_TERMS, logGamma, MetricValueError, normalCdf, reallocateByRoi, type ArmCounts } from '../src/kpi.ts';

const p = (a: ArmCounts, b: ArmCounts) => compareCtr(a, b).probabilityBBeatsA;

/** An independent check: P(X_B > X_A) = ∫ f_B(x) F_A(x) dx by Simpson's rule, F_A by its binomial sum (whole parameters). */
function integrated(a: ArmCounts, b: ArmCounts, steps = 20_000): number {
  const [aa, ab, ba, bb] = [1 + a.clicks, 1 + a.impressions - a.clicks, 1 + b.clicks, 1 + b.impressions - b.clicks];
  const logChoose = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
  // Beta(α, β) CDF at x = P(Binomial(α+β−1, x) ≥ α).
  const cdf = (x: number) => {
    let s = 0;
    for (let j = aa; j <= aa + ab - 1; j++) s += Math.exp(logChoose(aa + ab - 1, j) + j * Math.log(x) + (aa + ab - 1 - j) * Math.log1p(-x));
    return s;
  };
  const logB = logGamma(ba) + logGamma(bb) - logGamma(ba + bb);
  const pdf = (x: number) => Math.exp((ba - 1) * Math.log(x) + (bb - 1) * Math.log1p(-x) - logB);
  const h = 1 / steps;
  let sum = 0;
  for (let i = 1; i < steps; i++) {
    const x = i * h;
    sum += (i % 2 ? 4 : 2) * pdf(x) * cdf(x);
  }
  return (sum * h) / 3;
}

describe('compareCtr: P(CTR_B > CTR_A) under Beta(1 + clicks, 1 + impressions − clicks)', () => {
  it('gives the known values', () => {
    expect(p({ clicks: 0, impressions: 0 }, { clicks: 0, impressions: 0 })).toBeCloseTo(0.5, 12);
    // Beta(1,1) against Beta(2,1): ∫ 2x · x dx = 2/3; Beta(1,2) against Beta(2,1): 5/6.
    expect(p({ clicks: 0, impressions: 0 }, { clicks: 1, impressions: 1 })).toBeCloseTo(2 / 3, 12);
    expect(p({ clicks: 0, impressions: 1 }, { clicks: 1, impressions: 1 })).toBeCloseTo(5 / 6, 12);
    expect(p({ clicks: 1, impressions: 1 }, { clicks: 0, impressions: 1 })).toBeCloseTo(1 / 6, 12);
  });

  it.each([
    [
      { clicks: 3, impressions: 40 },
      { clicks: 7, impressions: 45 },
    ],
    [
      { clicks: 12, impressions: 30 },
      { clicks: 9, impressions: 31 },
    ],
    [
      { clicks: 20, impressions: 60 },
      { clicks: 20, impressions: 60 },
    ],
  ])('agrees with numerical integration for %j against %j', (a, b) => {
    expect(compareCtr(a, b)).toMatchObject({ method: 'exact' });
    expect(p(a, b)).toBeCloseTo(integrated(a, b), 8);
  });

  it('uses the normal approximation above the exact bound, which agrees with the exact sum where they meet', () => {
    const at = (c: number) => compareCtr({ clicks: c, impressions: 2e6 }, { clicks: c + 150, impressions: 2e6 });
    const exact = at(EXACT_CTR_TERMS - 1);
    const normal = at(EXACT_CTR_TERMS);
    expect([exact.method, normal.method]).toEqual(['exact', 'normal']);
    expect(Math.abs(exact.probabilityBBeatsA - normal.probabilityBBeatsA)).toBeLessThan(1e-4);
    // Counts of a quadrillion cost the same as small ones, and stay numbers.
    const huge = compareCtr({ clicks: 1e14, impressions: 1e15 }, { clicks: 1e14 + 1e7, impressions: 1e15 });
    expect(huge.method).toBe('normal');
    expect(huge.probabilityBBeatsA).toBeGreaterThan(0.5);
    expect(huge.probabilityBBeatsA).toBeLessThan(1);
  });

  it('refuses counts that are no counts, naming the arm', () => {
    for (const bad of [
      { clicks: -1, impressions: 10 },
      { clicks: 11, impressions: 10 },
      { clicks: NaN, impressions: 10 },
      { clicks: 1, impressions: Infinity },
      { clicks: 1, impressions: 1e16 },
    ])
      expect(() => compareCtr({ clicks: 1, impressions: 10 }, bad)).toThrow(/Arm B/);
    expect(() => compareCtr({ clicks: 3, impressions: 2 }, { clicks: 1, impressions: 10 })).toThrow(MetricValueError);
  });

  const arm = (maxImpressions: number) =>
    fc
      .integer({ min: 0, max: maxImpressions })
      .chain((impressions) => fc.integer({ min: 0, max: impressions }).map((clicks): ArmCounts => ({ clicks, impressions })));
  const anyArm = fc.oneof(arm(50), arm(5_000), arm(200_000), arm(1e9));

  it('is a probability, never NaN, and P(B > A) + P(A > B) = 1', () => {
    fc.assert(
      fc.property(anyArm, anyArm, (a, b) => {
        const ab = p(a, b);
        const ba = p(b, a);
        expect(Number.isFinite(ab)).toBe(true);
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(1);
        expect(ab + ba).toBeCloseTo(1, 9);
      }),
      { numRuns: 300 },
    );
  });

  it('grows with B’s clicks and falls with A’s (impressions fixed)', () => {
    // 1e-6: the normal approximation's own error, where a click moves the probability less than that (far in the tails).
    fc.assert(
      fc.property(anyArm, anyArm, (a, b) => {
        fc.pre(b.clicks < b.impressions && a.clicks < a.impressions);
        expect(p(a, { ...b, clicks: b.clicks + 1 })).toBeGreaterThanOrEqual(p(a, b) - 1e-6);
        expect(p({ ...a, clicks: a.clicks + 1 }, b)).toBeLessThanOrEqual(p(a, b) + 1e-6);
      }),
      { numRuns: 300 },
    );
  });

  it('normalCdf is symmetric and right at known points', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    fc.assert(
      fc.property(fc.double({ min: -40, max: 40, noNaN: true }), (z) => {
        expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 12);
      }),
    );
  });
});

describe('reallocateByRoi', () => {
  const line = (channel: string, amount: number, spend: number, revenue: number) => ({ channel, amount, sums: { spend, revenue } });

  it('moves share towards the higher ROI, keeps the total, and flags a move above the threshold', () => {
    const r = reallocateByRoi([line('a', 500, 100, 400), line('b', 500, 100, 200)], { step: 0.5, threshold: 0.2 });
    // Target shares 4:2 → 2/3 and 1/3; half way from 1/2: 7/12 and 5/12.
    expect(r.channels.map((c) => c.proposedShare)).toEqual([expect.closeTo(7 / 12, 12), expect.closeTo(5 / 12, 12)]);
    expect(r.channels.map((c) => c.roi)).toEqual([4, 2]);
    expect(r.channels.reduce((s, c) => s + c.proposedAmount, 0)).toBeCloseTo(1000, 9);
    expect(r.needsApproval).toBe(false);
    expect(r.largestChange).toBeCloseTo(1 / 6, 12);
    expect(reallocateByRoi([line('a', 500, 100, 400), line('b', 500, 100, 200)], { step: 1, threshold: 0.2 }).needsApproval).toBe(true);
  });

  it('leaves a channel without spend (no ROI) where it is weighed by the overall ROI, and moves nothing with no data', () => {
    const r = reallocateByRoi([line('a', 500, 100, 300), { channel: 'new', amount: 500, sums: {} }], { step: 1, threshold: 0.2 });
    expect(r.channels.map((c) => c.proposedShare)).toEqual([0.5, 0.5]);
    const none = reallocateByRoi(
      [
        { channel: 'a', amount: 300, sums: {} },
        { channel: 'b', amount: 100, sums: {} },
      ],
      { step: 1, threshold: 0 },
    );
    expect(none).toMatchObject({ largestChange: 0, needsApproval: false });
  });

  it('keeps the total and stays finite for any lines and sums', () => {
    const money = fc.double({ min: 0, max: 1e12, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(fc.record({ amount: money, spend: money, revenue: money }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ls, step) => {
          const r = reallocateByRoi(
            ls.map((l, i) => line(`c${i}`, l.amount, l.spend, l.revenue)),
            { step, threshold: 0.2 },
          );
          const total = ls.reduce((s, l) => s + l.amount, 0);
          expect(r.channels.reduce((s, c) => s + c.proposedAmount, 0)).toBeCloseTo(total, total > 1e6 ? -2 : 6);
          for (const c of r.channels) expect(Number.isNaN(c.proposedShare) || Number.isNaN(c.change)).toBe(false);
        },
      ),
    );
  });

  it('refuses a step or threshold out of range and negative lines', () => {
    expect(() => reallocateByRoi([], { step: 1.5, threshold: 0.2 })).toThrow(MetricValueError);
    expect(() => reallocateByRoi([], { step: 0.5, threshold: NaN })).toThrow(MetricValueError);
    expect(() => reallocateByRoi([line('a', -1, 0, 0)], { step: 0.5, threshold: 0.2 })).toThrow(MetricValueError);
  });
});
