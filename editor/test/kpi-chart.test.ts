import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { METRIC_IDS, parseMonitor, type MetricPoint, type MonitorConfig } from '@flightdeck/workflows';
import { buildKpiChart, channelsOf, rulesOfRuns, type ChartAlert } from '../src/campaigns/kpiChart.ts';
import { kpiChartOption } from '../src/campaigns/kpiChartOption.ts';
import { previewMonitor } from '../src/editor/monitorPreview.ts';

const ZONE = 'Asia/Shanghai';
const H0 = '2026-06-01T02:00:00.000Z';
const H1 = '2026-06-01T03:00:00.000Z';
const H2 = '2026-06-01T04:00:00.000Z';
const p = (ts: string, channel: string, metric: string, value: number): MetricPoint => ({ ts, channel, metric, value });

/** Two channels, three hours: tmall's CTR drops in the third hour. */
const POINTS: MetricPoint[] = [
  ...[H0, H1, H2].flatMap((ts, i) => [
    p(ts, 'tmall', 'impressions', 1000),
    p(ts, 'tmall', 'clicks', i === 2 ? 10 : 30),
    p(ts, 'tmall', 'spend', 100),
    p(ts, 'tmall', 'conversions', 2),
    p(ts, 'douyin', 'impressions', 1000),
    p(ts, 'douyin', 'clicks', 10),
    p(ts, 'douyin', 'spend', 50),
  ]),
];

const alert = (id: string, more: Partial<ChartAlert> = {}): ChartAlert => ({
  id,
  ruleId: 'ctr_low',
  channel: null,
  severity: 'warning',
  firedAt: H2,
  acknowledgedAt: null,
  runId: 'run-1',
  nodeId: 'watch',
  ...more,
});

const MONITOR = {
  rules: [
    { id: 'ctr_low', kind: 'threshold', metric: 'ctr', op: 'below', value: 0.015, per: 'campaign' },
    { id: 'ctr_tmall', kind: 'threshold', metric: 'ctr', op: 'below', value: 0.02, channels: ['tmall'] },
    { id: 'cpa_high', kind: 'target', metric: 'cpa', share: 1.2, per: 'campaign' },
  ],
};
const RUN = { id: 'run-1', graph: { nodes: [{ id: 'watch', type: 'monitoring.monitor', config: MONITOR }] } };
const GOALS = [
  { kpi: 'ctr', target: 0.025, unit: 'ratio' },
  { kpi: 'CAC', target: 45, unit: 'CNY', direction: 'max' as const },
  { kpi: 'revenue', target: 5_000_000, unit: 'CNY', by: 'end' },
];

describe('KPI chart model', () => {
  it('computes the KPI per hour from the sums, overall and per channel', () => {
    const overall = buildKpiChart({ points: POINTS, alerts: [], kpi: 'ctr', channel: null, timeZone: ZONE });
    expect(overall.series).toEqual([
      [Date.parse(H0), 0.02],
      [Date.parse(H1), 0.02],
      [Date.parse(H2), 0.01],
    ]);
    const tmall = buildKpiChart({ points: POINTS, alerts: [], kpi: 'ctr', channel: 'tmall', timeZone: ZONE });
    expect(tmall.series.map(([, v]) => v)).toEqual([0.03, 0.03, 0.01]);
    // Douyin converts nothing: CPA has no value there, so the chart has no points rather than Infinity.
    expect(buildKpiChart({ points: POINTS, alerts: [], kpi: 'cpa', channel: 'douyin', timeZone: ZONE }).series).toEqual([]);
    expect(channelsOf(POINTS, ['jd'])).toEqual(['douyin', 'jd', 'tmall']);
  });

  it("draws the goal's line with its direction; a total for the campaign's end is no line on an hourly chart", () => {
    const ctr = buildKpiChart({ points: POINTS, alerts: [], kpi: 'ctr', channel: null, timeZone: ZONE, goals: GOALS });
    expect(ctr.target).toEqual({ value: 0.025, lowerIsBetter: false });
    const cpa = buildKpiChart({ points: POINTS, alerts: [], kpi: 'cpa', channel: null, timeZone: ZONE, goals: GOALS });
    expect(cpa.target).toEqual({ value: 45, lowerIsBetter: true });
    expect(buildKpiChart({ points: POINTS, alerts: [], kpi: 'revenue', channel: null, timeZone: ZONE, goals: GOALS }).target).toBeNull();
  });

  it("reads the rules from the alert's run and draws each rule's line on its metric and scope", () => {
    const alerts = [alert('a1'), alert('a2', { ruleId: 'cpa_high' }), alert('a3', { ruleId: 'ctr_tmall', channel: 'tmall' })];
    const rules = rulesOfRuns([RUN], alerts);
    expect([...rules.keys()].sort()).toEqual(['cpa_high', 'ctr_low', 'ctr_tmall']);
    const base = { points: POINTS, alerts, timeZone: ZONE, goals: GOALS, rules };
    expect(buildKpiChart({ ...base, kpi: 'ctr', channel: null }).thresholds).toEqual([{ ruleId: 'ctr_low', value: 0.015 }]);
    expect(buildKpiChart({ ...base, kpi: 'ctr', channel: 'tmall' }).thresholds).toEqual([{ ruleId: 'ctr_tmall', value: 0.02 }]);
    expect(buildKpiChart({ ...base, kpi: 'ctr', channel: 'douyin' }).thresholds).toEqual([]);
    // 20 % above the CPA ceiling of 45.
    expect(buildKpiChart({ ...base, kpi: 'cpa', channel: null }).thresholds[0]!.value).toBeCloseTo(54);
  });

  it('marks where alerts fired and were acknowledged, on the line, for their KPI and scope only', () => {
    const alerts = [
      alert('a1', { acknowledgedAt: '2026-06-01T04:20:00.000Z' }),
      alert('a2', { ruleId: 'cpa_high' }),
      alert('a3', { ruleId: 'ctr_tmall', channel: 'tmall', firedAt: H1 }),
      // Their runs are not known: they show on the charts of their scope and unit rather than vanish.
      alert('a4', { ruleId: 'mystery', runId: null, firedAt: H0, unit: 'ratio' }),
      alert('a5', { ruleId: 'mystery_money', runId: null, firedAt: H0, unit: 'money' }),
    ];
    const rules = rulesOfRuns([RUN], alerts);
    const overall = buildKpiChart({ points: POINTS, alerts, kpi: 'ctr', channel: null, timeZone: ZONE, rules });
    expect(overall.markers).toEqual([
      { alertId: 'a4', kind: 'fired', at: Date.parse(H0), y: 0.02, ruleId: 'mystery', severity: 'warning' },
      { alertId: 'a1', kind: 'fired', at: Date.parse(H2), y: 0.01, ruleId: 'ctr_low', severity: 'warning' },
      { alertId: 'a1', kind: 'acked', at: Date.parse('2026-06-01T04:20:00.000Z'), y: 0.01, ruleId: 'ctr_low', severity: 'warning' },
    ]);
    // A replayed alert, acked months later in wall time: drawn as long after the fire as the ack came after it opened.
    const replayed = alert('a6', { acknowledgedAt: '2026-12-03T08:31:44.000Z', openedAt: '2026-12-03T08:29:21.000Z' });
    const late = buildKpiChart({ points: POINTS, alerts: [replayed], kpi: 'ctr', channel: null, timeZone: ZONE, rules });
    expect(late.markers[1]).toEqual({
      alertId: 'a6',
      kind: 'acked',
      at: Date.parse(H2) + 143_000,
      when: Date.parse('2026-12-03T08:31:44.000Z'),
      y: 0.01,
      ruleId: 'ctr_low',
      severity: 'warning',
    });
    const tmall = buildKpiChart({ points: POINTS, alerts, kpi: 'ctr', channel: 'tmall', timeZone: ZONE, rules });
    expect(tmall.markers.map((m) => [m.alertId, m.y])).toEqual([['a3', 0.03]]);
    const cpa = buildKpiChart({ points: POINTS, alerts, kpi: 'cpa', channel: null, timeZone: ZONE, rules });
    expect(cpa.markers.map((m) => m.alertId)).toEqual(['a5', 'a2']);
  });

  it('never throws and never yields NaN, whatever the points, alerts, goals and zone', () => {
    const time = fc.oneof(
      fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'not a date' : d.toISOString())),
      fc.constantFrom(H0, H1, H2, '', '2026-13-45T99:00:00Z', '+275760-09-13T00:00:00.000Z'),
      fc.anything(),
    );
    const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e15, -1e15, 1e300, Number.NaN, Infinity), fc.anything());
    const point = fc.oneof(
      fc.record({
        ts: time,
        channel: fc.oneof(fc.constantFrom('tmall', 'douyin', ''), fc.string(), fc.anything()),
        metric: fc.oneof(fc.constantFrom('impressions', 'clicks', 'spend', 'conversions', 'revenue', 'ctr'), fc.string()),
        value,
      }),
      fc.anything(),
    );
    const hostileAlert = fc.oneof(
      fc.record({
        id: fc.oneof(fc.uuid(), fc.anything()),
        ruleId: fc.oneof(fc.constantFrom('ctr_low', 'cpa_high', '{x|y}'), fc.string(), fc.anything()),
        channel: fc.oneof(fc.constant(null), fc.constantFrom('tmall'), fc.string(), fc.anything()),
        severity: fc.oneof(fc.constantFrom('warning', 'critical'), fc.anything()),
        firedAt: time,
        acknowledgedAt: fc.oneof(fc.constant(null), time),
        unit: fc.oneof(fc.constantFrom('ratio', 'money'), fc.anything()),
        runId: fc.oneof(fc.constant('run-1'), fc.anything()),
        nodeId: fc.oneof(fc.constant('watch'), fc.anything()),
      }),
      fc.anything(),
    );
    const goal = fc.oneof(
      fc.record({ kpi: fc.oneof(fc.constantFrom('ctr', 'cpa', 'cac'), fc.string()), target: value, direction: fc.anything() }),
      fc.anything(),
    );
    const hostileRun = fc.oneof(fc.constant(RUN), fc.record({ id: fc.anything(), graph: fc.anything() }), fc.anything());
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 40 }),
        fc.array(hostileAlert, { maxLength: 10 }),
        fc.array(goal, { maxLength: 4 }),
        fc.array(hostileRun, { maxLength: 3 }),
        fc.constantFrom(...METRIC_IDS),
        fc.oneof(fc.constant(null), fc.constantFrom('tmall', 'douyin'), fc.string()),
        fc.oneof(fc.constantFrom(ZONE, 'UTC', 'America/New_York'), fc.string()),
        fc.oneof(fc.double(), fc.constant(null), fc.constant(10_000)),
        (points, alerts, goals, runs, kpi, channel, timeZone, budget) => {
          const rules = rulesOfRuns(runs, alerts);
          const campaign = { timezone: timeZone, goals: goals as never };
          const model = buildKpiChart({ points, alerts, kpi, channel, timeZone, goals: goals as never, budget, rules, campaign });
          for (const b of model.band?.points ?? []) expect(b.every(Number.isFinite) && b[1] <= b[2]).toBe(true);
          for (const [t, v] of model.series) expect(Number.isFinite(t) && Number.isFinite(v)).toBe(true);
          for (const m of model.markers) expect(Number.isFinite(m.at) && Number.isFinite(m.y)).toBe(true);
          for (const th of model.thresholds) expect(Number.isFinite(th.value)).toBe(true);
          if (model.target) expect(Number.isFinite(model.target.value)).toBe(true);
          expect(model.skipped).toBeGreaterThanOrEqual(0);
          const option = kpiChartOption(model, {
            kpi,
            currency: 'CNY',
            locale: 'en',
            timeZone,
            words: { goal: 'Goal', ceiling: 'Ceiling', rule: (r) => r, fired: (r) => r, acked: (r) => r, baseline: (r) => r },
          });
          const y = option.yAxis as { min: number; max: number };
          expect(Number.isFinite(y.min) && Number.isFinite(y.max) && y.max > y.min).toBe(true);
          const tip = (option.tooltip as { formatter: (p: unknown) => string }).formatter;
          const text = tip([{ seriesId: 'kpi', axisValue: model.series[0]?.[0] ?? 0, value: model.series[0] ?? [] }]);
          expect(text).not.toMatch(/NaN|[{}|]/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('baseline band', () => {
  // Tmall's CTR is 3 % for two hours, then 1 %: the trailing baseline needs three hours, so a day of steady hours comes first.
  const steady = Array.from({ length: 6 }, (_, h) => new Date(Date.parse(H0) - (6 - h) * 3_600_000).toISOString()).flatMap((ts) => [
    p(ts, 'tmall', 'impressions', 1000),
    p(ts, 'tmall', 'clicks', 30),
  ]);
  const points = [...steady, ...POINTS];
  const dev = { id: 'ctr_dev', kind: 'deviation', metric: 'ctr', by: 0.2, baseline: 'trailing', trailing: '6h', channels: ['tmall'] };
  const run = { id: 'run-2', graph: { nodes: [{ id: 'watch', type: 'monitoring.monitor', config: { rules: [dev] } }] } };
  const alerts = [alert('a1', { ruleId: 'ctr_dev', channel: 'tmall', runId: 'run-2' })];

  it("draws the deviation rule's baseline ±by on its channel's chart, and nothing overall", () => {
    const rules = rulesOfRuns([run], alerts);
    const campaign = { timezone: ZONE };
    const tmall = buildKpiChart({ points, alerts, kpi: 'ctr', channel: 'tmall', timeZone: ZONE, rules, campaign });
    expect(tmall.band?.ruleId).toBe('ctr_dev');
    const last = tmall.band!.points.at(-1)!;
    expect(last[0]).toBe(Date.parse(H2));
    expect(last[3]).toBeCloseTo(0.03, 10);
    expect([last[1], last[2]]).toEqual([expect.closeTo(0.024, 10), expect.closeTo(0.036, 10)]);
    expect(buildKpiChart({ points, alerts, kpi: 'ctr', channel: null, timeZone: ZONE, rules, campaign }).band).toBeNull();
    const option = kpiChartOption(tmall, {
      kpi: 'ctr',
      currency: 'CNY',
      locale: 'en',
      timeZone: ZONE,
      words: { goal: 'Goal', ceiling: 'Ceiling', rule: (r) => r, fired: (r) => r, acked: (r) => r, baseline: (r) => `base ${r}` },
    });
    const ids = (option.series as { id: string }[]).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['band-lower', 'band-width', 'baseline']));
  });
});

describe('monitor preview', () => {
  const monitor = (raw: unknown): MonitorConfig => {
    const parsed = parseMonitor(raw);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return parsed.monitor;
  };
  const campaign = { timezone: ZONE, goals: GOALS };

  it('says how often and when each rule would have fired over the stored points', () => {
    const out = previewMonitor(campaign, monitor(MONITOR), [...POINTS].reverse());
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const ctrLow = out.rules.find((r) => r.ruleId === 'ctr_low')!;
    expect(ctrLow).toEqual({ ruleId: 'ctr_low', count: 1, firings: [{ at: H2, channel: null, value: 0.01 }] });
    expect(out.rules.find((r) => r.ruleId === 'ctr_tmall')).toMatchObject({ count: 1, firings: [{ at: H2, channel: 'tmall' }] });
    expect(out.points).toBe(POINTS.length);
  });

  it('answers a bad campaign or bad points with an error, not a throw', () => {
    expect(previewMonitor({ timezone: 'Mars/Olympus' }, monitor(MONITOR), POINTS)).toMatchObject({ ok: false });
    expect(previewMonitor(campaign, monitor(MONITOR), [p('yesterday', 'tmall', 'clicks', 1)])).toMatchObject({ ok: false });
  });
});
