import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  computeReview,
  REVIEW_CSV_HEADER,
  REVIEW_KPIS,
  ReviewInputError,
  reviewCsv,
  type Review,
  type ReviewCampaign,
  type ReviewRecords,
} from '../src/review/index.ts';
import type { MetricPoint } from '../src/kpi.ts';

// The scenario files ship with the repo (engine/seed), so a clean clone tests alone.
const DIR = fileURLToPath(new URL('../../engine/seed', import.meta.url));

interface ScenarioFile {
  name: string;
  goals: { kpi: string; target: number; unit: string; direction?: 'min' | 'max' }[];
  budget: { total: number; currency: string; contingency_ratio: number; lines: { channel: string; amount: number }[] };
  phases: { name: string; starts_at: string; ends_at: string }[];
  channels: { name: string }[];
}

/** The campaign as the engine's import stores it (camelCase, Asia/Shanghai), read from the file itself. */
function load(id: string): { campaign: ReviewCampaign; points: MetricPoint[]; lines: string[] } {
  const f = JSON.parse(readFileSync(`${DIR}/${id}.campaign.json`, 'utf8')) as ScenarioFile;
  const campaign: ReviewCampaign = {
    name: f.name,
    timezone: 'Asia/Shanghai',
    goals: f.goals,
    budget: { total: f.budget.total, currency: f.budget.currency, contingencyRatio: f.budget.contingency_ratio, lines: f.budget.lines },
    phases: f.phases.map((p) => ({ name: p.name, startsAt: p.starts_at, endsAt: p.ends_at })),
    channels: f.channels,
  };
  const lines = readFileSync(`${DIR}/${id}.metrics.csv`, 'utf8').trim().split(/\r?\n/).slice(1);
  const points = lines.map((l) => {
    const [ts, channel, metric, value] = l.split(',');
    return { ts: ts!, channel: channel!, metric: metric!, value: Number(value) };
  });
  return { campaign, points, lines };
}

type Sums = Record<string, number>;

/** The test's own arithmetic from the CSV lines: plain sums and divisions, nothing from the KPI module. */
function independent(id: string) {
  const { campaign, lines } = load(id);
  const total: Sums = {};
  const byChannel: Record<string, Sums> = {};
  const byPhase: Record<string, Sums> = {};
  const daily: Record<string, Sums> = {};
  const add = (s: Sums, m: string, v: number) => (s[m] = (s[m] ?? 0) + v);
  for (const l of lines) {
    const [ts, channel, metric, raw] = l.split(',') as [string, string, string, string];
    const v = parseFloat(raw);
    const t = new Date(ts).getTime();
    add(total, metric, v);
    add((byChannel[channel] ??= {}), metric, v);
    for (const p of campaign.phases!)
      if (t >= new Date(p.startsAt).getTime() && t < new Date(p.endsAt).getTime()) add((byPhase[p.name] ??= {}), metric, v);
    // Shanghai keeps +08:00 all year: its calendar day is the UTC day 8 hours on.
    add((daily[new Date(t + 8 * 3_600_000).toISOString().slice(0, 10)] ??= {}), metric, v);
  }
  const div = (a: number | undefined, b: number | undefined) => (b ? (a ?? 0) / b : null);
  const kpis = (s: Sums) => ({
    ctr: div(s.clicks, s.impressions),
    cvr: div(s.conversions, s.clicks),
    cpa: div(s.spend, s.conversions),
    cpm: s.impressions ? ((s.spend ?? 0) / s.impressions) * 1000 : null,
    roi: div(s.revenue, s.spend),
    aov: div(s.revenue, s.conversions),
    new_customer_share: div(s.new_customers, s.conversions),
  });
  return { campaign, total, byChannel, byPhase, daily, kpis };
}

function expectClose(actual: number | null | undefined, expected: number | null, what: string) {
  if (expected === null) return expect(actual, what).toBeNull();
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

/** Every number anywhere in the document is finite: no NaN, no Infinity hiding in a nested field. */
function badNumbers(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => badNumbers(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => badNumbers(v, `${path}.${k}`));
  return [];
}

const band = (rate: number) => (rate < 0.7 ? 'under' : rate < 0.9 ? 'at_risk' : rate <= 1.1 ? 'on_track' : 'over');

/** Checks every figure of a review against the independent sums. */
function checkAgainstCsv(id: string, review: Review) {
  const ind = independent(id);
  expect(review.noData).toBe(false);
  expect(badNumbers(review)).toEqual([]);
  expect(review.format).toBe(1);
  expect(review.warnings).toEqual([]);

  const raw = ['impressions', 'clicks', 'conversions', 'spend', 'revenue', 'new_customers', 'negative_mentions'] as const;
  const checkSet = (set: Review['efficiency']['overall'], sums: Sums, what: string) => {
    for (const m of raw) expectClose(set.totals[m], sums[m] ?? null, `${what} ${m}`);
    const k = ind.kpis(sums);
    for (const kpi of REVIEW_KPIS) expectClose(set.kpis[kpi], k[kpi], `${what} ${kpi}`);
  };
  checkSet(review.efficiency.overall, ind.total, 'overall');
  expect(review.efficiency.channels.map((c) => c.name)).toEqual(Object.keys(ind.byChannel).sort());
  for (const c of review.efficiency.channels) checkSet(c, ind.byChannel[c.name]!, c.name);
  expect(review.efficiency.phases.map((p) => p.name)).toEqual(ind.campaign.phases!.map((p) => p.name));
  for (const p of review.efficiency.phases) checkSet(p, ind.byPhase[p.name] ?? {}, p.name);

  // Attainment: actual ÷ target, or target ÷ actual for a ceiling; then the documented bands.
  const overall = { ...ind.kpis(ind.total), revenue: ind.total.revenue! };
  expect(review.attainment.map((g) => g.kpi)).toEqual(ind.campaign.goals!.map((g) => g.kpi));
  for (const g of ind.campaign.goals!) {
    const row = review.attainment.find((r) => r.kpi === g.kpi)!;
    const actual = overall[g.kpi as keyof typeof overall]!;
    const rate = g.direction === 'max' ? g.target / actual : actual / g.target;
    expectClose(row.actual, actual, `goal ${g.kpi} actual`);
    expectClose(row.rate, rate, `goal ${g.kpi} rate`);
    expect(row.status, g.kpi).toBe(band(rate));
    expect(row.met, g.kpi).toBe(rate >= 1);
  }
  expect(review.highlights.missed.map((m) => m.kpi)).toEqual(
    ind.campaign.goals!.filter((g) => review.attainment.find((r) => r.kpi === g.kpi)!.rate! < 1).map((g) => g.kpi),
  );
  for (const m of review.highlights.missed) expectClose(m.by, Math.abs(m.actual - m.target), `missed ${m.kpi}`);

  // Budget: each line against its channel's spend; the reserve is what the lines did not cover.
  const b = review.budget!;
  const spent = ind.total.spend!;
  expectClose(b.actual, spent, 'spend');
  expectClose(b.total, ind.campaign.budget!.total!, 'budget total');
  for (const line of ind.campaign.budget!.lines!) {
    const row = b.lines.find((l) => l.channel === line.channel)!;
    const actual = ind.byChannel[line.channel]!.spend!;
    expectClose(row.actual, actual, `${line.channel} actual`);
    expectClose(row.variance, actual - line.amount, `${line.channel} variance`);
    expect(row.overspent, line.channel).toBe(actual > line.amount);
  }
  const planned = ind.campaign.budget!.lines!.reduce((a, l) => a + l.amount, 0);
  const reserve = ind.campaign.budget!.total! * ind.campaign.budget!.contingencyRatio!;
  expectClose(b.contingency!.reserve, reserve, 'reserve');
  expectClose(b.contingency!.used, Math.min(Math.max(0, spent - planned), reserve), 'reserve used');

  // Highlights: the channel and phase with the most revenue.
  const best = (sums: Record<string, Sums>) => Object.entries(sums).sort((a, z) => z[1].revenue! - a[1].revenue!)[0]![0];
  expect(review.highlights.topChannel!.name).toBe(best(ind.byChannel));
  expect(review.highlights.topPhase!.name).toBe(best(ind.byPhase));

  // Daily series by the campaign's calendar days.
  expect(review.daily.map((d) => d.date)).toEqual(Object.keys(ind.daily).sort());
  for (const d of review.daily) {
    expectClose(d.spend, ind.daily[d.date]!.spend!, `${d.date} spend`);
    expectClose(d.revenue, ind.daily[d.date]!.revenue!, `${d.date} revenue`);
  }

  // The CSV carries the same figures.
  const csv = reviewCsv(review).trimEnd().split('\r\n');
  expect(csv[0]).toBe(REVIEW_CSV_HEADER);
  const cellOf = (section: string, scope: string, metric: string) =>
    csv.find((l) => l.startsWith(`${section},${scope},${metric},`))?.split(',');
  for (const g of review.attainment) {
    const r = cellOf('attainment', 'campaign', g.kpi)!;
    expect(Number(r[3])).toBe(g.actual);
    expect(Number(r[5])).toBe(g.rate);
    expect(r[6]).toBe(g.status);
  }
  for (const c of review.efficiency.channels) expect(Number(cellOf('channel', c.name, 'roi')![3])).toBe(c.kpis.roi);
  for (const l of b.lines) expect(cellOf('budget', l.channel, 'spend')![6]).toBe(l.overspent ? 'overspent' : 'within');
  return { ind, review };
}

describe('post-campaign review (复盘) of the scenarios', () => {
  it('618: revenue ≈ 96 % of goal, douyin_ads overspent, CPA missed, ROI met, new-customer share just short', () => {
    const { campaign, points } = load('s618-new-product-launch');
    const review = computeReview(campaign, points, {}, { generatedAt: '2026-06-21T00:00:00.000Z' });
    checkAgainstCsv('s618-new-product-launch', review);
    const goal = (kpi: string) => review.attainment.find((g) => g.kpi === kpi)!;
    // The scenario README's totals.
    expect(goal('revenue').actual! / 1e6).toBeCloseTo(4.81, 2);
    expect(goal('revenue').rate).toBeCloseTo(0.96, 2);
    expect(goal('revenue').status).toBe('on_track');
    expect(goal('cpa').actual).toBeCloseTo(52.3, 1);
    expect(goal('cpa').direction).toBe('lower_is_better');
    expect(goal('cpa').rate).toBeCloseTo(45 / 52.3, 2);
    expect(goal('cpa').met).toBe(false);
    expect(goal('roi').actual).toBeCloseTo(4.16, 2);
    expect(goal('roi').met).toBe(true);
    expect(goal('new_customer_share').actual).toBeCloseTo(0.397, 3);
    expect(review.budget!.actual / 1e6).toBeCloseTo(1.15, 2);
    const douyin = review.budget!.lines.find((l) => l.channel === 'douyin_ads')!;
    expect(douyin.overspent).toBe(true);
    expect(douyin.actual! / 1e3).toBeCloseTo(568, 0);
    expect(review.budget!.lines.filter((l) => l.overspent).map((l) => l.channel)).toEqual(['douyin_ads']);
    expect(review.highlights.overspentLines.map((l) => l.channel)).toEqual(['douyin_ads']);
    expect(review.highlights.missed.map((m) => m.kpi)).toEqual(['revenue', 'new_customer_share', 'cpa']);
    expect(review.budget!.overspent).toBe(false);
    expect(review.budget!.contingency!.used).toBeGreaterThan(0);
    expect(review.generatedAt).toBe('2026-06-21T00:00:00.000Z');
  });

  it('loyalty: revenue ≈ 90 % of goal, the SMS line overspent, ROI ≈ 5.0', () => {
    const { campaign, points } = load('loyalty-repurchase');
    const review = computeReview(campaign, points);
    checkAgainstCsv('loyalty-repurchase', review);
    const goal = (kpi: string) => review.attainment.find((g) => g.kpi === kpi)!;
    expect(goal('revenue').actual! / 1e3).toBeCloseTo(720, -1);
    expect(goal('revenue').rate).toBeCloseTo(0.9, 2);
    expect(goal('roi').actual).toBeCloseTo(5.0, 1);
    const sms = review.budget!.lines.find((l) => l.channel === 'sms')!;
    expect(sms.overspent).toBe(true);
    expect(sms.actual! / 1e3).toBeCloseTo(97, 0);
    expect(review.highlights.overspentLines.map((l) => l.channel)).toEqual(['sms']);
  });

  it('a campaign with no metrics gets a review that says so, with empty sections and no NaN', () => {
    const { campaign } = load('s618-new-product-launch');
    const review = computeReview(campaign, []);
    expect(review.noData).toBe(true);
    expect(review.summary).toMatch(/No metrics/);
    expect(review.attainment).toEqual([]);
    expect(review.efficiency.channels).toEqual([]);
    expect(review.efficiency.phases).toEqual([]);
    expect(review.budget).toBeNull();
    expect(review.daily).toEqual([]);
    expect(Object.values(review.efficiency.overall.kpis).every((v) => v === null)).toBe(true);
    expect(badNumbers(review)).toEqual([]);
    expect(JSON.stringify(review)).not.toMatch(/NaN|Infinity/);
    expect(reviewCsv(review)).toContain('summary,campaign,no_data');
  });

  it('zero denominators are no value: clicks without impressions, spend without conversions', () => {
    const review = computeReview({ timezone: 'UTC', goals: [{ kpi: 'cpa', target: 10, direction: 'max' }] }, [
      { ts: '2026-01-01T00:00:00Z', channel: 'x', metric: 'spend', value: 100 },
      { ts: '2026-01-01T00:00:00Z', channel: 'x', metric: 'clicks', value: 5 },
    ]);
    expect(review.efficiency.overall.kpis).toMatchObject({ ctr: null, cpa: null, cvr: 0, roi: 0 });
    expect(review.attainment[0]).toMatchObject({ actual: null, rate: null, status: null, met: null });
    expect(review.budget!.unplanned).toEqual([{ channel: 'x', actual: 100 }]);
    expect(review.budget!.contingency).toBeNull();
    expect(badNumbers(review)).toEqual([]);
  });

  it('the timeline: approvals with decisions and durations, the launch, alerts with ack and escalation times, phase changes', () => {
    const { campaign, points } = load('s618-new-product-launch');
    const records: ReviewRecords = {
      approvals: [
        {
          taskId: 't1',
          title: 'Brand review',
          status: 'approved',
          openedAt: '2026-05-10T01:00:00Z',
          closedAt: '2026-05-10T03:30:00Z',
          votes: [{ name: 'Bella', decision: 'approve', comment: '好', at: '2026-05-10T03:30:00Z', level: 1 }],
        },
      ],
      launch: { at: '2026-05-20T00:00:00Z' },
      alerts: [
        {
          id: 'a1',
          ruleId: 'ctr_below_target',
          channel: 'xhs_kol',
          severity: 'warning',
          firedAt: '2026-05-31T09:00:00Z',
          openedAt: '2026-05-31T10:00:00Z',
          events: [
            { kind: 'fired', at: '2026-05-31T10:00:00Z' },
            { kind: 'escalated', at: '2026-05-31T10:15:00Z' },
            { kind: 'acknowledged', at: '2026-05-31T10:20:00Z', actor: 'Dana' },
            { kind: 'resolved', at: '2026-05-31T12:00:00Z' },
          ],
        },
        { id: 'a2', ruleId: 'ctr_below_target', channel: 'xhs_kol', severity: 'warning', firedAt: 'x', openedAt: 'not a time' },
        {
          id: 'a3',
          ruleId: 'no_data',
          channel: 'tmall_search',
          severity: 'critical',
          firedAt: '2026-06-14T03:00:00Z',
          openedAt: '2026-06-14T04:00:00Z',
        },
      ],
      phaseChanges: [
        {
          at: '2026-05-15T00:00:00Z',
          actor: 'Dana',
          before: [{ name: 'burst', startsAt: '2026-05-26T00:00:00Z', endsAt: '2026-06-10T00:00:00Z' }],
          after: [{ name: 'burst', startsAt: '2026-05-27T00:00:00Z', endsAt: '2026-06-10T00:00:00Z' }],
        },
      ],
    };
    const review = computeReview(campaign, points, records);
    const t = review.timeline;
    expect(t.approvals[0]).toMatchObject({
      durationMs: 2.5 * 3_600_000,
      votes: [{ name: 'Bella', decision: 'approve', comment: '好', afterMs: 9_000_000 }],
    });
    expect(t.launch).toEqual({ at: '2026-05-20T00:00:00.000Z', by: null });
    expect(t.alerts[0]).toMatchObject({ ackAfterMs: 20 * 60_000, acknowledgedBy: 'Dana', resolveAfterMs: 2 * 3_600_000 });
    expect(t.alerts[0]!.escalations).toEqual([{ at: '2026-05-31T10:15:00.000Z', afterMs: 15 * 60_000 }]);
    // A record with a bad time keeps its place with no times and no durations, rather than a NaN.
    expect(t.alerts[1]).toMatchObject({ firedAt: null, openedAt: null, ackAfterMs: null });
    expect(t.phaseChanges[0]!.changes).toEqual([
      {
        phase: 'burst',
        startsAt: { from: '2026-05-26T00:00:00Z', to: '2026-05-27T00:00:00Z' },
        endsAt: { from: '2026-06-10T00:00:00Z', to: '2026-06-10T00:00:00Z' },
      },
    ]);
    expect(review.highlights.topRules.map((r) => [r.ruleId, r.fired])).toEqual([
      ['ctr_below_target', 2],
      ['no_data', 1],
    ]);
    const times = t.events.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(t.events.map((e) => e.kind)).toContain('launch');
    expect(badNumbers(review)).toEqual([]);
  });

  it('phase lines count only their phase, and a line for a phase the campaign lacks has no actual', () => {
    const review = computeReview(
      {
        timezone: 'UTC',
        budget: {
          total: 1000,
          contingencyRatio: 0.1,
          lines: [
            { channel: 'x', phase: 'a', amount: 100 },
            { channel: 'x', phase: 'b', amount: 100 },
            { channel: 'x', phase: 'nope', amount: 100 },
          ],
        },
        phases: [
          { name: 'a', startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-02T00:00:00Z' },
          { name: 'b', startsAt: '2026-01-02T00:00:00Z', endsAt: '2026-01-03T00:00:00Z' },
        ],
      },
      [
        { ts: '2026-01-01T05:00:00Z', channel: 'x', metric: 'spend', value: 150 },
        { ts: '2026-01-02T05:00:00Z', channel: 'x', metric: 'spend', value: 50 },
        { ts: '2026-01-05T05:00:00Z', channel: 'x', metric: 'spend', value: 7 },
      ],
    );
    expect(review.budget!.lines.map((l) => [l.phase, l.actual, l.overspent])).toEqual([
      ['a', 150, true],
      ['b', 50, false],
      ['nope', null, false],
    ]);
    expect(review.efficiency.outsidePhases!.totals.spend).toBe(7);
    expect(review.budget!.contingency).toMatchObject({ reserve: 100, used: 0 });
  });

  it('hostile points and campaigns: a ReviewInputError or a review with only finite numbers, never anything else', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('2026-05-20T00:00:00Z', '2026-05-21T10:00:00+08:00', '1999-01-01T00:00:00Z', ''),
    );
    const number = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1e15, -1e15, 1e16, Number.MAX_VALUE, NaN, Infinity, -Infinity));
    const metric = fc.constantFrom('impressions', 'clicks', 'conversions', 'spend', 'revenue', 'new_customers', 'ctr', 'junk', '__proto__');
    const point = fc.record({
      ts: text,
      channel: fc.oneof(fc.constantFrom('a', 'b', ''), fc.string({ maxLength: 4 })),
      metric,
      value: number,
    });
    const goal = fc.record(
      {
        kpi: fc.oneof(metric, fc.constantFrom('CAC', 'roi', 'cpa', 'budget_burn')),
        target: number,
        direction: fc.constantFrom('min', 'max', undefined),
      },
      { requiredKeys: ['kpi', 'target'] },
    );
    const campaign = fc.record({
      timezone: fc.constantFrom('UTC', 'Asia/Shanghai', 'America/New_York', 'Mars/Base', '+08:00', ''),
      goals: fc.array(goal, { maxLength: 6 }),
      budget: fc.option(
        fc.record({
          total: number,
          contingencyRatio: number,
          lines: fc.array(
            fc.record({ channel: fc.constantFrom('a', 'b', 'c'), phase: fc.constantFrom('p', 'q', undefined), amount: number }),
            { maxLength: 4 },
          ),
        }),
      ),
      phases: fc.array(fc.record({ name: fc.constantFrom('p', 'q'), startsAt: text, endsAt: text }), { maxLength: 3 }),
    });
    const alert = fc.record({
      id: fc.string({ maxLength: 3 }),
      ruleId: fc.constantFrom('r1', 'r2'),
      channel: fc.constantFrom('a', null),
      severity: fc.constantFrom('warning', 'critical'),
      firedAt: text,
      openedAt: text,
      events: fc.array(fc.record({ kind: fc.constantFrom('acknowledged', 'escalated', 'resolved', 'refired'), at: text }), {
        maxLength: 4,
      }),
    });
    fc.assert(
      fc.property(campaign, fc.array(point, { maxLength: 30 }), fc.array(alert, { maxLength: 4 }), (c, pts, alerts) => {
        let review: Review;
        try {
          review = computeReview(c as unknown as ReviewCampaign, pts as MetricPoint[], { alerts, launch: { at: pts[0]?.ts ?? '' } });
        } catch (err) {
          expect(err).toBeInstanceOf(ReviewInputError);
          expect((err as ReviewInputError).field).toMatch(/^(campaign\.timezone|points\.\d+)/);
          return;
        }
        expect(badNumbers(review)).toEqual([]);
        expect(JSON.stringify(review)).not.toMatch(/NaN|Infinity/);
        expect(reviewCsv(review)).not.toMatch(/NaN|Infinity/);
      }),
      { numRuns: 400 },
    );
    // Good points under hostile campaigns: the success path, with every figure finite.
    const goodPoint = fc.record({
      ts: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 2, 1) }).map((t) => new Date(t).toISOString()),
      channel: fc.constantFrom('a', 'b', 'c'),
      metric,
      value: fc.double({ min: -1e15, max: 1e15, noNaN: true }),
    });
    fc.assert(
      fc.property(campaign, fc.array(goodPoint, { minLength: 1, maxLength: 40 }), (c, pts) => {
        let review: Review;
        try {
          review = computeReview(c as unknown as ReviewCampaign, pts);
        } catch (err) {
          expect((err as ReviewInputError).field).toBe('campaign.timezone');
          return;
        }
        expect(badNumbers(review)).toEqual([]);
        expect(reviewCsv(review)).not.toMatch(/NaN|Infinity/);
      }),
      { numRuns: 400 },
    );
  });
});
