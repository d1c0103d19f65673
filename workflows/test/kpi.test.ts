import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allMetricValues,
  attainment,
  bucketPoints,
  DERIVED_KPIS,
  goalFor,
  lowerIsBetter,
  MAX_METRIC_VALUE,
  metricIdOf,
  METRICS,
  metricValue,
  MetricValueError,
  RAW_METRICS,
  safeRatio,
  sumPoints,
  type MetricPoint,
  type RawSums,
} from '../src/kpi.ts';

const SUMS: RawSums = {
  impressions: 20_000,
  clicks: 500,
  conversions: 10,
  spend: 840,
  revenue: 2_180,
  new_customers: 4,
  negative_mentions: 3,
};

describe('derived KPIs', () => {
  it('computes each KPI from raw sums, once, as its definition says', () => {
    expect(metricValue('ctr', SUMS)).toBeCloseTo(0.025, 12);
    expect(metricValue('cvr', SUMS)).toBeCloseTo(0.02, 12);
    expect(metricValue('cpa', SUMS)).toBeCloseTo(84, 12);
    expect(metricValue('roi', SUMS)).toBeCloseTo(2180 / 840, 12);
    expect(metricValue('aov', SUMS)).toBeCloseTo(218, 12);
    expect(metricValue('cpm', SUMS)).toBeCloseTo(42, 12);
    expect(metricValue('new_customer_share', SUMS)).toBeCloseTo(0.4, 12);
    expect(metricValue('budget_burn', SUMS, { budget: 1_680 })).toBeCloseTo(0.5, 12);
    expect(metricValue('spend', SUMS)).toBe(840);
  });

  it('has an English and a Chinese label, a unit and a direction for every metric', () => {
    for (const id of [...RAW_METRICS, ...DERIVED_KPIS]) {
      const def = METRICS[id];
      expect(def.id).toBe(id);
      expect(def.label.en.length).toBeGreaterThan(1);
      expect(def.label['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(['count', 'money', 'ratio']).toContain(def.unit);
      expect(['higher', 'lower', 'neither']).toContain(def.better);
    }
    expect(METRICS.cpa.better).toBe('lower');
    expect(METRICS.cpm.better).toBe('lower');
    expect(METRICS.ctr.better).toBe('higher');
    expect(METRICS.cpm.formula).toBe('spend / impressions × 1000');
  });

  it('gives no value for a zero denominator, never NaN or Infinity', () => {
    const none: RawSums = { impressions: 0, clicks: 0, conversions: 0, spend: 100, revenue: 0, new_customers: 0 };
    for (const id of ['ctr', 'cvr', 'cpa', 'aov', 'cpm', 'new_customer_share'] as const) expect(metricValue(id, none)).toBeNull();
    expect(metricValue('roi', { revenue: 50, spend: 0 })).toBeNull();
    expect(metricValue('budget_burn', { spend: 10 }, { budget: 0 })).toBeNull();
    expect(metricValue('budget_burn', { spend: 10 })).toBeNull();
    // A zero numerator is a value: no clicks out of 1,000 impressions is a CTR of 0.
    expect(metricValue('ctr', { impressions: 1000 })).toBe(0);
  });

  it('gives no value for a raw metric nothing reported, and 0 for one reported as 0', () => {
    expect(metricValue('negative_mentions', {})).toBeNull();
    expect(metricValue('negative_mentions', { negative_mentions: 0 })).toBe(0);
  });

  it('refuses non-finite inputs instead of passing them on', () => {
    expect(() => metricValue('ctr', { clicks: NaN, impressions: 10 })).toThrow(MetricValueError);
    expect(() => metricValue('spend', { spend: Infinity })).toThrow(MetricValueError);
    expect(() => safeRatio(1, NaN)).toThrow(MetricValueError);
  });

  it('never gives NaN or Infinity for any finite sums within the bounds', () => {
    const value = fc.oneof(
      fc.constant(0),
      fc.double({ min: -MAX_METRIC_VALUE, max: MAX_METRIC_VALUE, noNaN: true }),
      fc.double({ min: 1e-300, max: 1e-290, noNaN: true }),
    );
    const sums = fc.record(Object.fromEntries(RAW_METRICS.map((m) => [m, value])) as Record<(typeof RAW_METRICS)[number], typeof value>, {
      requiredKeys: [],
    });
    fc.assert(
      fc.property(sums, fc.option(value), (s, budget) => {
        for (const v of Object.values(allMetricValues(s, { budget }))) expect(v === null || Number.isFinite(v)).toBe(true);
      }),
    );
  });

  it('knows the names goal files and people use', () => {
    expect(metricIdOf('CAC')).toBe('cpa');
    expect(metricIdOf(' ctr ')).toBe('ctr');
    expect(metricIdOf('new_share')).toBe('new_customer_share');
    expect(metricIdOf('orders')).toBeUndefined();
    expect(metricIdOf('__proto__')).toBeUndefined();
  });
});

describe('goals and attainment', () => {
  it('is actual / target for a goal to reach (480 of 500 is 96 %)', () => {
    expect(attainment({ kpi: 'revenue', target: 500 }, 480)).toBeCloseTo(0.96, 12);
  });

  it('is target / actual for a ceiling (direction "max": lower is better)', () => {
    const cpa = { kpi: 'cpa', target: 45, direction: 'max' as const };
    expect(lowerIsBetter(cpa)).toBe(true);
    expect(attainment(cpa, 52.3)).toBeCloseTo(45 / 52.3, 12);
    expect(attainment(cpa, 40)).toBeGreaterThan(1);
  });

  it('reads a missing direction from the KPI: a CPA goal without one is still a ceiling', () => {
    expect(lowerIsBetter({ kpi: 'cac', target: 45 })).toBe(true);
    expect(lowerIsBetter({ kpi: 'ctr', target: 0.02 })).toBe(false);
    expect(lowerIsBetter({ kpi: 'cpa', target: 45, direction: 'min' })).toBe(false);
  });

  it('has no value on zero, or without an actual', () => {
    expect(attainment({ kpi: 'ctr', target: 0 }, 0.02)).toBeNull();
    expect(attainment({ kpi: 'cpa', target: 45, direction: 'max' }, 0)).toBeNull();
    expect(attainment({ kpi: 'ctr', target: 0.02 }, null)).toBeNull();
    expect(attainment({ kpi: 'ctr', target: 0.02 }, 0)).toBe(0);
  });

  it('finds a goal by its KPI or an alias', () => {
    const goals = [
      { kpi: 'CAC', target: 45, direction: 'max' as const },
      { kpi: 'ctr', target: 0.025 },
    ];
    expect(goalFor(goals, 'cpa')?.target).toBe(45);
    expect(goalFor(goals, 'cvr')).toBeUndefined();
  });
});

const pt = (ts: string, channel: string, metric: string, value: number): MetricPoint => ({ ts, channel, metric, value });

describe('sums and buckets', () => {
  const points = [
    pt('2026-05-20T00:00:00Z', 'a', 'clicks', 10),
    pt('2026-05-20T00:00:00Z', 'a', 'impressions', 400),
    pt('2026-05-20T01:00:00Z', 'a', 'clicks', 5),
    pt('2026-05-20T00:30:00Z', 'b', 'clicks', 7),
    pt('2026-05-20T15:59:00Z', 'b', 'spend', 3),
    pt('2026-05-20T16:00:00Z', 'b', 'spend', 4),
    pt('2026-05-20T16:00:00Z', 'b', 'orders', 99),
  ];

  it('sums per channel or overall, within a time window [from, to)', () => {
    expect(sumPoints(points)).toEqual({ clicks: 22, impressions: 400, spend: 7 });
    expect(sumPoints(points, { channel: 'a' })).toEqual({ clicks: 15, impressions: 400 });
    expect(sumPoints(points, { channel: ['a', 'b'], from: '2026-05-20T00:30:00Z', to: '2026-05-20T16:00:00Z' })).toEqual({
      clicks: 12,
      spend: 3,
    });
    expect(sumPoints(points, { channel: '*', from: Date.parse('2026-05-20T16:00:00Z') })).toEqual({ spend: 4 });
  });

  it('refuses a non-finite or out-of-range value and a bad time, naming the point', () => {
    expect(() => sumPoints([...points, pt('2026-05-20T00:00:00Z', 'a', 'spend', NaN)])).toThrow(/Point 7: NaN/);
    expect(() => sumPoints([pt('2026-05-20T00:00:00Z', 'a', 'spend', 1e16)])).toThrow(MetricValueError);
    expect(() => sumPoints([pt('yesterday', 'a', 'spend', 1)])).toThrow(/Point 0: "yesterday" is not a time/);
    // Checked even when the filter would leave it out: a bad batch is bad whatever is asked of it.
    expect(() => sumPoints([pt('2026-05-20T00:00:00Z', 'z', 'spend', Infinity)], { channel: 'a' })).toThrow(MetricValueError);
  });

  it("buckets by the hour and by the calendar day of the campaign's zone", () => {
    expect(bucketPoints(points, { every: 'hour', timeZone: 'UTC', channel: 'b' })).toEqual([
      { start: '2026-05-20T00:00:00.000Z', sums: { clicks: 7 } },
      { start: '2026-05-20T15:00:00.000Z', sums: { spend: 3 } },
      { start: '2026-05-20T16:00:00.000Z', sums: { spend: 4 } },
    ]);
    // Shanghai's day starts at 16:00 UTC: 15:59 is still 20 May there, 16:00 is 21 May.
    expect(bucketPoints(points, { every: 'day', timeZone: 'Asia/Shanghai' }).map((b) => [b.start, b.sums])).toEqual([
      ['2026-05-19T16:00:00.000Z', { clicks: 22, impressions: 400, spend: 3 }],
      ['2026-05-20T16:00:00.000Z', { spend: 4 }],
    ]);
  });

  it("aligns hours to the zone's wall clock (Kolkata's hours start at half past the UTC hour)", () => {
    const b = bucketPoints([pt('2026-05-20T10:45:00Z', 'a', 'clicks', 1), pt('2026-05-20T11:15:00Z', 'a', 'clicks', 1)], {
      every: 'hour',
      timeZone: 'Asia/Kolkata',
    });
    expect(b).toEqual([{ start: '2026-05-20T10:30:00.000Z', sums: { clicks: 2 } }]);
    expect(() => bucketPoints([], { every: 7 * 60_000, timeZone: 'UTC' })).toThrow(/does not divide an hour/);
  });

  it('makes days 23 and 25 hours long across DST changes (New York, March and November)', () => {
    const days = bucketPoints(
      [
        pt('2026-03-08T12:00:00Z', 'a', 'clicks', 1),
        pt('2026-03-09T12:00:00Z', 'a', 'clicks', 1),
        pt('2026-11-01T12:00:00Z', 'a', 'clicks', 1),
        pt('2026-11-02T12:00:00Z', 'a', 'clicks', 1),
      ],
      { every: 'day', timeZone: 'America/New_York' },
    ).map((b) => b.start);
    expect(days).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
  });
});
