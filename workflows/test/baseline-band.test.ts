import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MetricPoint } from '../src/kpi.ts';
import {
  BAND_READ_BUDGET,
  baselineBand,
  readsPerEvaluation,
  campaignKpiWatch,
  parseMonitor,
  replayMonitor,
  ruleSchema,
  type MonitorConfig,
  type MonitorConfigInput,
  type MonitoredCampaign,
  type RuleInput,
} from '../src/monitoring/index.ts';
import { HOUR_MS } from '../src/time.ts';
import { loadScenario } from './support/scenarios.ts';

const parse = (input: MonitorConfigInput): MonitorConfig => {
  const parsed = parseMonitor(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.monitor;
};
const rule = (input: RuleInput) => ruleSchema().parse(input);
const campaign: MonitoredCampaign = { timezone: 'Asia/Shanghai', channels: [{ name: 'a' }] };
const START = Date.parse('2026-05-01T00:00:00+08:00');

/** Ten days of CTR 2 % on channel a, then a day at 1 %. */
function ctrDays(): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let h = 0; h < 11 * 24; h++) {
    const ts = new Date(START + h * HOUR_MS).toISOString();
    out.push({ ts, channel: 'a', metric: 'impressions', value: 1000 });
    out.push({ ts, channel: 'a', metric: 'clicks', value: h >= 10 * 24 ? 10 : 20 });
  }
  return out;
}

describe('baselineBand: the band a deviation rule holds a KPI in', () => {
  const deviation = rule({ id: 'ctr_dev', kind: 'deviation', metric: 'ctr', by: 0.15, baseline: 'same_time', days: 7 });

  it("is the same hour's median of the previous days, ±by", () => {
    const band = baselineBand({ points: ctrDays(), rule: deviation, campaign, channel: 'a' })!;
    const day11 = band.points.filter((p) => p.at >= START + 10 * 24 * HOUR_MS);
    expect(day11).toHaveLength(24);
    for (const p of day11) {
      expect(p.baseline).toBeCloseTo(0.02, 10);
      expect(p.lower).toBeCloseTo(0.017, 10);
      expect(p.upper).toBeCloseTo(0.023, 10);
    }
    // Day one has no previous day: the trailing fallback needs three hours of history first.
    expect(band.points[0]!.at).toBe(START + 3 * HOUR_MS);
  });

  it('keeps the baseline as the open side of a one-way rule', () => {
    const down = rule({ id: 'ctr_down', kind: 'deviation', metric: 'ctr', by: 0.2, direction: 'down' });
    const last = baselineBand({ points: ctrDays(), rule: down, campaign, channel: 'a' })!.points.at(-1)!;
    expect(last.upper).toBe(last.baseline);
    expect(last.lower).toBeCloseTo(0.016, 10);
  });

  it('raises the upper line to ignoreBelow where the baseline is under it: a small rise is not news', () => {
    const spike = rule({ id: 'spike', kind: 'deviation', metric: 'clicks', by: 0.5, direction: 'up', ignoreBelow: 100 });
    const last = baselineBand({ points: ctrDays(), rule: spike, campaign, channel: 'a' })!.points.at(-1)!;
    expect(last.baseline).toBe(20);
    expect(last.upper).toBe(100);
    expect(last.lower).toBe(20);
  });

  it('keeps its cost bounded for a crafted rule: a long window over many baseline days draws only the latest hours', () => {
    const heavy = rule({ id: 'heavy', kind: 'deviation', metric: 'ctr', window: '14d', baseline: 'same_time', days: 28 });
    const band = baselineBand({ points: ctrDays(), rule: heavy, campaign, channel: 'a' })!;
    const reads = readsPerEvaluation(heavy, HOUR_MS);
    expect(band.points.length).toBeGreaterThan(0);
    expect(reads * band.points.length).toBeLessThanOrEqual(BAND_READ_BUDGET);
  });

  it('gives nothing for a rule with a fixed line', () => {
    const fixed = rule({ id: 'ctr_low', kind: 'threshold', metric: 'ctr', op: 'below', value: 0.01 });
    expect(baselineBand({ points: ctrDays(), rule: fixed, campaign, channel: 'a' })).toBeNull();
  });

  it('is what the evaluator compared with when the 618 rules fired', () => {
    const s = loadScenario('s618-new-product-launch');
    const monitor = parse(campaignKpiWatch({ goals: s.campaign.goals }));
    const replay = replayMonitor(s.campaign, monitor, s.points);
    const fired = replay.transitions.filter((t) => t.to === 'firing' && typeof t.baseline === 'number');
    expect(fired.length).toBeGreaterThan(0);
    for (const t of fired) {
      const r = monitor.rules.find((x) => x.id === t.ruleId)!;
      const band = baselineBand({ points: s.points, rule: r, campaign: s.campaign, channel: t.channel })!;
      const at = band.points.find((p) => p.at === Date.parse(t.at));
      expect(at, `${t.ruleId} ${t.channel} ${t.at}`).toBeDefined();
      expect(at!.baseline).toBeCloseTo(t.baseline!, 9);
      // The value that fired the rule is outside the band.
      expect(t.value! < at!.lower || t.value! > at!.upper).toBe(true);
    }
  });

  it('never throws on hostile points, and every band is ordered and finite', () => {
    const point = fc.oneof(
      fc.anything(),
      fc.record({
        ts: fc.oneof(
          fc.constant('2026-05-01T00:00:00Z'),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
        channel: fc.constantFrom('a', 'b', '', '__proto__'),
        metric: fc.constantFrom('impressions', 'clicks', 'spend', 'orders', 'bogus'),
        value: fc.oneof(fc.double(), fc.integer({ min: 0, max: 1e6 })),
      }),
    );
    fc.assert(
      fc.property(fc.array(point, { maxLength: 60 }), fc.constantFrom('a', null), (points, channel) => {
        const band = baselineBand({ points, rule: deviation, campaign, channel });
        for (const p of band?.points ?? []) {
          expect([p.baseline, p.lower, p.upper].every(Number.isFinite)).toBe(true);
          expect(p.lower).toBeLessThanOrEqual(p.upper);
        }
      }),
      { numRuns: 200 },
    );
  });
});
