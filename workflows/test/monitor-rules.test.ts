import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addToSums, RAW_METRICS, type MetricPoint, type RawSums } from '../src/kpi.ts';
import {
  BucketSeries,
  campaignKpiWatch,
  describeRule,
  emptyMonitorState,
  evaluateMonitor,
  MAX_MONITORED_CHANNELS,
  MAX_READS_PER_EVALUATION,
  MAX_REPLAY_CALLS,
  MAX_REPLAY_MS,
  MAX_REPLAY_POINTS,
  MonitorInputError,
  parseMonitor,
  planEvaluation,
  readsPerEvaluation,
  replayMonitor,
  ruleSchema,
  type MetricSeries,
  type MonitorConfig,
  type MonitorConfigInput,
  type MonitoredCampaign,
  type ReplayResult,
  type RuleInput,
  type RuleState,
  type Transition,
} from '../src/monitoring/index.ts';
import { DAY_MS, HOUR_MS } from '../src/time.ts';
import { hourAt, loadScenario, type Scenario, type ScenarioAnomaly } from './support/scenarios.ts';
import { blockShuffled, budgetCrossing, delivered, hourly, line, sustainedDayVerdicts } from './support/monitor.ts';

const parse = (input: MonitorConfigInput): MonitorConfig => {
  const parsed = parseMonitor(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.monitor;
};
const firings = (r: ReplayResult) => r.transitions.filter((t) => t.to === 'firing');
const of = (r: ReplayResult, ruleId: string, channel: string | null) =>
  r.transitions.filter((t) => t.ruleId === ruleId && t.channel === channel).map((t) => `${t.at} ${t.from}->${t.to}`);
const anomaly = (s: Scenario, test: (a: ScenarioAnomaly) => boolean) => {
  const a = s.anomalies.find(test);
  if (!a) throw new Error(`${s.id}: anomaly not found`);
  return a;
};
const localDayEnd = (iso: string) => {
  // Asia/Shanghai has no DST: its days end at 16:00 UTC, so the day's last hourly bucket starts at 15:00 UTC.
  const t = Date.parse(iso);
  const end = Math.floor((t + 8 * HOUR_MS) / DAY_MS) * DAY_MS + DAY_MS - 8 * HOUR_MS;
  return new Date(end - HOUR_MS).toISOString();
};

describe('s618 new product launch under "Campaign KPI watch"', () => {
  const s = loadScenario('s618-new-product-launch');
  const monitor = parse(campaignKpiWatch({ goals: s.campaign.goals }));
  const ctr = anomaly(s, (a) => a.metric === 'ctr');
  const cpm = anomaly(s, (a) => a.metric === 'cpm');
  const negative = anomaly(s, (a) => a.metric === 'negative');
  const outage = anomaly(s, (a) => a.metric === 'outage');
  const lines = new Map(s.campaign.budget!.lines!.map((l) => [l.channel, l.amount]));
  const during = (p: MetricPoint, from: number, to: number) => {
    const t = Date.parse(p.ts);
    return t >= Date.parse(hourAt(s, from)) && t < Date.parse(hourAt(s, to));
  };
  let run: ReplayResult;
  beforeAll(() => {
    run = replayMonitor(s.campaign, monitor, s.points);
  });

  it('reads the scenario the way the engine imports it', () => {
    expect(s.points).toHaveLength(720 * 3 * 7);
    expect(run.problems).toEqual([]);
    expect(run.calls).toBe(720);
    expect(monitor.rules.map((r) => r.id)).not.toContain('cvr_below_target'); // the campaign sets no CVR goal
  });

  it('the xhs_kol CTR drop: below target and off baseline from its first hour, the 3-day rule when the third day ends', () => {
    expect(of(run, 'ctr_below_target', 'xhs_kol')).toEqual([
      `${hourAt(s, ctr.from_hour)} ok->firing`,
      `${hourAt(s, ctr.to_hour)} firing->ok`,
    ]);
    expect(of(run, 'ctr_deviation', 'xhs_kol')).toEqual([`${hourAt(s, ctr.from_hour)} ok->firing`, `${hourAt(s, ctr.to_hour)} firing->ok`]);
    const days = sustainedDayVerdicts(s.points, {
      channel: 'xhs_kol',
      numerator: 'clicks',
      denominator: 'impressions',
      by: 0.1,
      days: 14,
      count: 3,
      timeZone: s.campaign.timezone,
    });
    // Three local days 10 % off: the last of them is the day the anomaly ends in.
    expect(days.fires).toEqual([localDayEnd(hourAt(s, ctr.to_hour - 1))]);
    expect(of(run, 'ctr_off_3_days', 'xhs_kol')).toEqual([`${days.fires[0]} ok->firing`, `${days.resolves[0]} firing->ok`]);
    const fired = firings(run).find((t) => t.ruleId === 'ctr_off_3_days')!;
    expect(fired.severity).toBe('warning');
    expect(fired.value! / fired.baseline! - 1).toBeLessThan(-0.1);
  });

  it('"CTR 30 % below target for 3 days" in the rule language: three local days below 80 % of the goal', () => {
    const rule: RuleInput = {
      id: 'ctr_low_3_days',
      kind: 'sustained',
      channels: ['xhs_kol'],
      count: 3,
      unit: 'days',
      condition: { kind: 'target', metric: 'ctr', share: 0.8 },
    };
    expect(describeRule(ruleSchema().parse(rule), 'en')).toBe('CTR on xhs_kol is below 80 % of target for 3 days');
    const r = replayMonitor(s.campaign, parse({ rules: [rule] }), s.points);
    // The drop starts at 17:00 local: that first day's CTR stays above the line, the next three are below it.
    const third = localDayEnd(hourAt(s, ctr.to_hour - 1));
    expect(of(r, 'ctr_low_3_days', 'xhs_kol')).toEqual([`${third} ok->firing`, `${localDayEnd(hourAt(s, ctr.to_hour + 24))} firing->ok`]);
    expect(firings(r)[0]!.value).toBeLessThan(0.025 * 0.8);
  });

  it('the douyin_ads CPM spike: campaign CPA 20 % over its ceiling for 6 hours, then re-review', () => {
    const cpa = of(run, 'cpa_over_benchmark', null);
    // Six hours after the first bad hour was judged: the seventh bad hour in a row.
    const firing = `${hourAt(s, cpm.from_hour + 6)} pending->firing`;
    expect(cpa.filter((t) => t.includes('firing'))).toEqual([firing, `${hourAt(s, cpm.to_hour)} firing->ok`]);
    expect(cpa[cpa.indexOf(firing) - 1]).toBe(`${hourAt(s, cpm.from_hour)} ok->pending`);
    const t = firings(run).find((x) => x.ruleId === 'cpa_over_benchmark')!;
    expect(t.threshold).toBeCloseTo(45 * 1.2, 9);
    expect(t.value).toBeGreaterThan(t.threshold!);
  });

  it('the negative-mentions spike: one critical alert, held two hours after the last bad hour', () => {
    expect(of(run, 'negative_spike', null)).toEqual([
      `${hourAt(s, negative.from_hour)} ok->firing`,
      // Clear from to_hour on; two hours after that clear hour was judged (a two-hour lull inside the spike keeps the alert).
      `${hourAt(s, negative.to_hour + 2)} firing->ok`,
    ]);
    expect(firings(run).find((t) => t.ruleId === 'negative_spike')!.severity).toBe('critical');
  });

  it('the tmall_search outage: a no-data alert two hours in, resolved by the first report', () => {
    expect(of(run, 'no_data', 'tmall_search')).toEqual([
      `${hourAt(s, outage.from_hour + 1)} ok->firing`,
      `${hourAt(s, outage.to_hour)} firing->ok`,
    ]);
    const t = firings(run).find((x) => x.ruleId === 'no_data')!;
    expect([t.value, t.unit]).toEqual([2 * HOUR_MS, 'ms']);
  });

  it('budget lines: 80 % and exhausted when the cumulative spend says so, douyin_ads running out', () => {
    for (const [channel, amount] of lines) {
      const warn = budgetCrossing(s.points, channel, amount, 0.8);
      const out = budgetCrossing(s.points, channel, amount, 1);
      expect(of(run, 'budget_line_warning', channel)).toEqual(warn ? [`${warn} ok->firing`] : []);
      expect(of(run, 'budget_line_exhausted', channel)).toEqual(out ? [`${out} ok->firing`] : []);
    }
    expect(budgetCrossing(s.points, 'douyin_ads', lines.get('douyin_ads')!, 1)).not.toBeNull();
    expect(budgetCrossing(s.points, 'xhs_kol', lines.get('xhs_kol')!, 1)).toBeNull();
  });

  it('is quiet otherwise: no firing outside the anomalies and the budget lines', () => {
    const expected = new Set([
      'ctr_below_target xhs_kol',
      'ctr_deviation xhs_kol',
      'ctr_off_3_days xhs_kol',
      'cpa_over_benchmark *',
      'negative_spike *',
      'no_data tmall_search',
      ...[...lines.keys()].map((c) => `budget_line_warning ${c}`),
      'budget_line_exhausted douyin_ads',
    ]);
    const fired = firings(run).map((t) => `${t.ruleId} ${t.channel ?? '*'}`);
    expect(new Set(fired)).toEqual(expected);
    expect(fired).toHaveLength(expected.size); // each once
  });

  describe('event time: the same transitions at the same times however the points arrive', () => {
    const variants: [string, () => MetricPoint[], number | 'bucket'][] = [
      ['in order, 1,000 points a call', () => s.points, 1000],
      ['shuffled within two days, 97 points a call', () => blockShuffled(s.points, 48 * 21, 7), 97],
      [
        'xhs_kol during the CTR drop three days late',
        () => delivered(s.points, (p) => p.channel === 'xhs_kol' && during(p, ctr.from_hour, ctr.to_hour), 72 * 21),
        'bucket',
      ],
      ['the CPM spike hours a day late', () => delivered(s.points, (p) => during(p, cpm.from_hour, cpm.to_hour), 24 * 21), 'bucket'],
    ];
    for (const [name, points, batch] of variants) {
      it(name, () => {
        const r = replayMonitor(s.campaign, monitor, points(), { batch });
        expect(r.transitions).toEqual(run.transitions);
      });
    }

    it('planEvaluation names what to load: a series cut there, with opening totals, judges the same', () => {
      const arrival = delivered(s.points, (p) => during(p, cpm.from_hour, cpm.to_hour), 24 * 21);
      const standing: Transition[] = [];
      let state = emptyMonitorState();
      let loaded = 0;
      const retractions: string[] = [];
      for (let i = 0; i < arrival.length; i += 6 * 21) {
        const seen = arrival.slice(0, i + 6 * 21);
        const batch = seen.slice(i);
        const changedFrom = Math.min(...batch.map((p) => Date.parse(p.ts)));
        const watermark = Math.max(...seen.map((p) => Date.parse(p.ts)));
        const plan = planEvaluation(monitor, s.campaign, state, { changedFrom, watermark });
        const from = plan.from === null ? -Infinity : Date.parse(plan.from);
        const totals: Record<string, RawSums> = {};
        for (const p of seen) if (Date.parse(p.ts) < from) addToSums((totals[p.channel] ??= {}), p.metric, p.value);
        const held = seen.filter((p) => Date.parse(p.ts) >= from);
        loaded = Math.max(loaded, held.length);
        const series = BucketSeries.fromPoints(held, {
          every: HOUR_MS,
          timeZone: s.campaign.timezone,
          ...(plan.from === null ? {} : { opening: { before: from, totals } }),
        });
        const r = evaluateMonitor(monitor, s.campaign, state, { series, changedFrom });
        state = r.state;
        for (const t of r.retracted) {
          const i = standing.findIndex((x) => JSON.stringify(x) === JSON.stringify(t));
          expect(i).toBeGreaterThanOrEqual(0);
          standing.splice(i, 1);
        }
        retractions.push(...r.retracted.map(line));
        standing.push(...r.transitions);
      }
      // Opening totals add up in another order than bucket by bucket: values agree to rounding, not to the last bit.
      const key = (t: Transition) => JSON.stringify({ ...t, value: t.value === null ? null : Number(t.value.toPrecision(10)) });
      expect(standing.map(key).sort()).toEqual(run.transitions.map(key).sort());
      // A rewind over a cut series retracts what the late points change, not a transition whose value moved in the last bit.
      const whole = replayMonitor(s.campaign, monitor, arrival, { batch: 6 * 21 });
      expect(retractions).toEqual(whole.retractions.map(line));
      // It loads weeks, not the whole campaign: the longest look-back is the 14-day rules on 14-day baselines.
      expect(loaded).toBeLessThan(s.points.length);
    });

    it('an outage reported as silence (no rows) alerts as the zeros did, late rows or not', () => {
      const outageHours = (p: MetricPoint) => p.channel === 'tmall_search' && during(p, outage.from_hour, outage.to_hour);
      const silent = s.points.filter((p) => !outageHours(p));
      const noRows = replayMonitor(s.campaign, monitor, silent);
      expect(of(noRows, 'no_data', 'tmall_search')).toEqual(of(run, 'no_data', 'tmall_search'));
      // The zero rows arriving a day late change nothing the no-data rule says.
      const late = replayMonitor(s.campaign, monitor, delivered(s.points, outageHours, 24 * 21));
      expect(late.transitions).toEqual(run.transitions);
    });
  });
});

describe('loyalty repurchase under "Campaign KPI watch"', () => {
  const s = loadScenario('loyalty-repurchase');
  const monitor = parse(campaignKpiWatch({ goals: s.campaign.goals }));
  const cvr = anomaly(s, (a) => a.metric === 'cvr');
  let run: ReplayResult;
  beforeAll(() => {
    run = replayMonitor(s.campaign, monitor, s.points);
  });

  it('the SMS conversion drop: a warning below target from its first hour to its last', () => {
    expect(of(run, 'cvr_below_target', 'sms')).toEqual([`${hourAt(s, cvr.from_hour)} ok->firing`, `${hourAt(s, cvr.to_hour)} firing->ok`]);
    const t = firings(run).find((x) => x.ruleId === 'cvr_below_target')!;
    expect(t.severity).toBe('warning');
    expect(t.value).toBeLessThan(0.06 * 0.8);
  });

  it("the 6-hour CVR deviation fires within the window's first 6 hours and clears within 6 hours of its end", () => {
    const [fire, clear, ...rest] = run.transitions.filter((t) => t.ruleId === 'cvr_deviation' && t.channel === 'sms');
    expect(rest).toEqual([]);
    const hour = (t: Transition) => (Date.parse(t.at) - s.start) / HOUR_MS;
    expect(hour(fire!)).toBeGreaterThanOrEqual(cvr.from_hour);
    expect(hour(fire!)).toBeLessThan(cvr.from_hour + 6);
    expect(hour(clear!)).toBeGreaterThanOrEqual(cvr.to_hour);
    expect(hour(clear!)).toBeLessThan(cvr.to_hour + 6);
  });

  it('three local days off baseline open the optimisation review', () => {
    const days = sustainedDayVerdicts(s.points, {
      channel: 'sms',
      numerator: 'conversions',
      denominator: 'clicks',
      by: 0.1,
      days: 14,
      count: 3,
      timeZone: s.campaign.timezone,
    });
    expect(days.fires).toHaveLength(1);
    expect(of(run, 'cvr_off_3_days', 'sms')).toEqual([`${days.fires[0]} ok->firing`, `${days.resolves[0]} firing->ok`]);
  });

  it('the SMS line overspends: warning and exhausted at the crossings; nothing else fires', () => {
    for (const l of s.campaign.budget!.lines!) {
      const warn = budgetCrossing(s.points, l.channel, l.amount, 0.8);
      const out = budgetCrossing(s.points, l.channel, l.amount, 1);
      expect(of(run, 'budget_line_warning', l.channel)).toEqual(warn ? [`${warn} ok->firing`] : []);
      expect(of(run, 'budget_line_exhausted', l.channel)).toEqual(out ? [`${out} ok->firing`] : []);
    }
    expect(budgetCrossing(s.points, 'sms', 67_500, 1)).not.toBeNull();
    const fired = new Set(firings(run).map((t) => `${t.ruleId} ${t.channel}`));
    const budget = [...fired].filter((k) => k.startsWith('budget_'));
    expect([...fired].filter((k) => !k.startsWith('budget_')).sort()).toEqual(
      ['cvr_below_target sms', 'cvr_deviation sms', 'cvr_off_3_days sms'].sort(),
    );
    expect(budget.every((k) => k.endsWith(' sms'))).toBe(budget.length > 0);
  });

  it('the same transitions in shuffled batches and with a day of SMS rows late', () => {
    expect(replayMonitor(s.campaign, monitor, blockShuffled(s.points, 24 * 14, 3), { batch: 50 }).transitions).toEqual(run.transitions);
    const late = delivered(s.points, (p) => p.channel === 'sms' && p.ts.startsWith('2026-05-26'), 24 * 14);
    expect(replayMonitor(s.campaign, monitor, late).transitions).toEqual(run.transitions);
  });
});

/** A small campaign on Shanghai's clock whose day one starts at local midnight. */
const START = Date.parse('2026-03-01T00:00:00+08:00');
const synthetic = (days: number, channels = ['web']): MonitoredCampaign => ({
  timezone: 'Asia/Shanghai',
  goals: [{ kpi: 'ctr', target: 0.025 }],
  budget: { total: 10_000, lines: channels.map((channel) => ({ channel, amount: 10_000 / channels.length })) },
  phases: [{ startsAt: new Date(START).toISOString(), endsAt: new Date(START + days * DAY_MS).toISOString() }],
  channels: channels.map((name) => ({ name, ctr: 0.025 })),
});
const at = (hour: number) => new Date(START + hour * HOUR_MS).toISOString();
/** CTR per hour from a pattern; 10,000 impressions an hour. */
const ctrSeries = (ctrs: readonly (number | null)[]) =>
  hourly(START, ctrs.length, ['web'], (h) => (ctrs[h] === null ? null : { impressions: 10_000, clicks: 10_000 * ctrs[h]! }));
const lowCtr = (extra: Partial<RuleInput> = {}): RuleInput =>
  ({ id: 'low_ctr', kind: 'threshold', metric: 'ctr', op: 'below', value: 0.02, ...extra }) as RuleInput;

describe('flapping, pending periods, sustained evaluations', () => {
  // Bad, good, bad, good… for 12 hours, then steady.
  const flappy = [...Array.from({ length: 12 }, (_, h) => (h % 2 ? 0.021 : 0.019)), ...Array(6).fill(0.03)];

  it('without keepFiringFor a value on the line flaps: an alert per bad hour', () => {
    const r = replayMonitor(synthetic(2), parse({ rules: [lowCtr()] }), ctrSeries(flappy));
    expect(r.transitions.map(line)).toEqual(
      Array.from({ length: 12 }, (_, h) => `${at(h)} low_ctr web ${h % 2 ? 'firing->ok' : 'ok->firing'}`),
    );
  });

  it('keepFiringFor 2h holds one alert through the flapping and resolves two hours after the first clear hour', () => {
    const r = replayMonitor(synthetic(2), parse({ rules: [lowCtr({ keepFiringFor: '2h' })] }), ctrSeries(flappy));
    // Last bad hour 10; clear from 11; two hours later, at 13, it resolves.
    expect(r.transitions.map(line)).toEqual([`${at(0)} low_ctr web ok->firing`, `${at(13)} low_ctr web firing->ok`]);
    const one = replayMonitor(synthetic(2), parse({ rules: [lowCtr({ keepFiringFor: '1h' })] }), ctrSeries(flappy));
    expect(one.transitions.map(line)).toEqual([`${at(0)} low_ctr web ok->firing`, `${at(12)} low_ctr web firing->ok`]);
  });

  it('a pending period: three bad hours of a 3-hour `for` go back to ok, four fire on the fourth', () => {
    const ctrs = [0.03, 0.03, 0.019, 0.019, 0.019, 0.03, 0.019, 0.019, 0.019, 0.019, 0.03, 0.03];
    const r = replayMonitor(synthetic(2), parse({ rules: [lowCtr({ for: '3h' })] }), ctrSeries(ctrs));
    expect(r.transitions.map(line)).toEqual([
      `${at(2)} low_ctr web ok->pending`,
      `${at(5)} low_ctr web pending->ok`,
      `${at(6)} low_ctr web ok->pending`,
      `${at(9)} low_ctr web pending->firing`,
      `${at(10)} low_ctr web firing->ok`,
    ]);
  });

  it('`for: 1h` fires on the second bad hour; a pending rule wakes when its verdict is due', () => {
    const once = replayMonitor(synthetic(2), parse({ rules: [lowCtr({ for: '1h' })] }), ctrSeries([0.03, 0.019, 0.019]));
    expect(once.transitions.map(line)).toEqual([`${at(1)} low_ctr web ok->pending`, `${at(2)} low_ctr web pending->firing`]);
    const monitor = parse({ rules: [lowCtr({ for: '3h' })] });
    const series = BucketSeries.fromPoints(ctrSeries([0.03, 0.019]), { every: HOUR_MS, timeZone: 'Asia/Shanghai' });
    const r = evaluateMonitor(monitor, synthetic(2), null, { series });
    expect(r.transitions.map(line)).toEqual([`${at(1)} low_ctr web ok->pending`]);
    // Pending since bucket 1: bucket 4 decides, and it is complete at 5.
    expect(r.nextWake).toEqual({ at: at(5), ruleId: 'low_ctr', channel: 'web', reason: 'pending' });
  });

  it('a gap in the data neither resolves nor fires', () => {
    const r = replayMonitor(synthetic(2), parse({ rules: [lowCtr()] }), ctrSeries([0.019, null, null, 0.019, 0.03]));
    expect(r.transitions.map(line)).toEqual([`${at(0)} low_ctr web ok->firing`, `${at(4)} low_ctr web firing->ok`]);
  });

  it('sustained over evaluations: three bad hours in a row, not two', () => {
    const rule: RuleInput = {
      id: 'three_low',
      kind: 'sustained',
      unit: 'evaluations',
      count: 3,
      condition: { kind: 'threshold', metric: 'ctr', op: 'below', value: 0.02 },
    };
    const ctrs = [0.019, 0.019, 0.03, 0.019, 0.019, 0.019, 0.019, 0.03];
    const r = replayMonitor(synthetic(2), parse({ rules: [rule] }), ctrSeries(ctrs));
    expect(r.transitions.map(line)).toEqual([`${at(5)} three_low web ok->firing`, `${at(7)} three_low web firing->ok`]);
  });
});

describe('deviation from baseline: the same hour on previous days, day one on the trailing mean', () => {
  const days = 5;
  // Five mentions an hour, thirty at 20:00 every evening (a daily live stream), and a real spike on day four at 10:00.
  const mentions = (h: number) => (h % 24 === 20 ? 30 : h === 3 * 24 + 10 ? 20 : h === 1 ? 40 : 5);
  const points = hourly(START, days * 24, ['web'], (h) => ({ negative_mentions: mentions(h) }));
  const rule: RuleInput = {
    id: 'mentions_up',
    kind: 'deviation',
    metric: 'negative_mentions',
    per: 'campaign',
    by: 0.5,
    direction: 'up',
    baseline: 'same_time',
    days: 7,
  };
  let r: ReplayResult;
  beforeAll(() => {
    r = replayMonitor(synthetic(days), parse({ rules: [rule] }), points);
  });

  it("fires on day one's evening peak against the trailing day, never again on it once days compare with days", () => {
    const peaks = r.transitions.filter((t) => new Date(Date.parse(t.at) + 8 * HOUR_MS).getUTCHours() === 20);
    expect(peaks.map(line)).toEqual([`${at(20)} mentions_up * ok->firing`]);
    const first = peaks[0]!;
    // The 20 hours before it: one hour of 40 (hour 1) and 19 of 5, pooled into a mean per hour.
    expect(first.baseline).toBeCloseTo((40 + 19 * 5) / 20, 9);
    expect(first.value).toBe(30);
  });

  it('needs three hours of history on day one: the spike in hour 1 is not judged', () => {
    expect(r.transitions.filter((t) => Date.parse(t.at) < START + 3 * HOUR_MS)).toEqual([]);
  });

  it('fires on the day-four spike against the median of the same hour on previous days', () => {
    const spike = r.transitions.filter((t) => t.at === at(3 * 24 + 10));
    expect(spike.map(line)).toEqual([`${at(3 * 24 + 10)} mentions_up * ok->firing`]);
    expect(spike[0]!.baseline).toBe(5);
    expect(spike[0]!.threshold).toBeCloseTo(7.5, 9);
    expect(r.transitions.map(line)).toEqual([
      `${at(20)} mentions_up * ok->firing`,
      `${at(21)} mentions_up * firing->ok`,
      `${at(3 * 24 + 10)} mentions_up * ok->firing`,
      `${at(3 * 24 + 11)} mentions_up * firing->ok`,
    ]);
  });

  it('a trailing baseline flags every evening peak, and ignoreBelow keeps small counts quiet', () => {
    const trailing = replayMonitor(synthetic(days), parse({ rules: [{ ...rule, baseline: 'trailing' }] }), points);
    const evenings = trailing.transitions.filter((t) => t.to === 'firing' && new Date(Date.parse(t.at) + 8 * HOUR_MS).getUTCHours() === 20);
    expect(evenings).toHaveLength(days);
    const quiet = replayMonitor(synthetic(days), parse({ rules: [{ ...rule, baseline: 'trailing', ignoreBelow: 50 }] }), points);
    expect(quiet.transitions).toEqual([]);
  });
});

describe("baselines at the campaign's start, live silence, projections, DST days", () => {
  // 08:00 in Shanghai: day one has only its last 16 hours.
  const morning = Date.parse('2026-03-01T00:00:00Z');
  const campaign: MonitoredCampaign = {
    timezone: 'Asia/Shanghai',
    budget: { total: 24_000, lines: [{ channel: 'web', amount: 24_000 }] },
    phases: [{ startsAt: new Date(morning).toISOString(), endsAt: new Date(morning + 10 * DAY_MS).toISOString() }],
    channels: [{ name: 'web' }],
  };
  const hourAfter = (h: number) => new Date(morning + h * HOUR_MS).toISOString();

  it("a steady count is no rise: previous days' spans that began before the campaign are no baseline for sums", () => {
    const steady = hourly(morning, 72, ['web'], () => ({ negative_mentions: 5, impressions: 1000, clicks: 20 }));
    const rules: RuleInput[] = [
      { id: 'six_hours', kind: 'deviation', metric: 'negative_mentions', per: 'campaign', by: 0.5, window: '6h', days: 7 },
      {
        id: 'daily',
        kind: 'sustained',
        unit: 'days',
        count: 2,
        per: 'campaign',
        condition: { kind: 'deviation', metric: 'negative_mentions', by: 0.2, days: 7 },
      },
      { id: 'ctr_six_hours', kind: 'deviation', metric: 'ctr', by: 0.05, window: '6h', days: 7 },
    ];
    expect(replayMonitor(campaign, parse({ rules }), steady).transitions).toEqual([]);
    // A rate over part of a span is still the rate: CTR keeps its same-time baseline from day one's later hours.
    const drop = hourly(morning, 48, ['web'], (h) => ({ impressions: 1000, clicks: h === 24 + 4 ? 10 : 20 }));
    const r = replayMonitor(campaign, parse({ rules: [{ id: 'ctr_hour', kind: 'deviation', metric: 'ctr', by: 0.3, days: 7 }] }), drop);
    expect(r.transitions.map(line)).toEqual([`${hourAfter(28)} ctr_hour web ok->firing`, `${hourAfter(29)} ctr_hour web firing->ok`]);
    expect(r.transitions[0]!.baseline).toBeCloseTo(0.02, 12);
  });

  it('no data, live: the clock judges silence past the watermark, wakes on time, and late rows retract it', () => {
    const monitor = parse({ rules: [{ id: 'silent', kind: 'no_data', after: '2h' }] });
    const points = hourly(morning, 10, ['web'], () => ({ impressions: 1000 }));
    const series = BucketSeries.fromPoints(points, { every: HOUR_MS, timeZone: 'Asia/Shanghai' });
    const quiet = evaluateMonitor(monitor, campaign, null, { series, now: hourAfter(10) });
    expect(quiet.transitions).toEqual([]);
    // Last data in hour 9: hours 10 and 11 silent, so the verdict is due when hour 11 is complete.
    expect(quiet.nextWake).toEqual({ at: hourAfter(12), ruleId: 'silent', channel: 'web', reason: 'no_data' });
    const woke = evaluateMonitor(monitor, campaign, quiet.state, { series, now: quiet.nextWake!.at });
    expect(woke.transitions.map(line)).toEqual([`${hourAfter(11)} silent web ok->firing`]);
    series.add(hourly(morning + 10 * HOUR_MS, 2, ['web'], () => ({ impressions: 800 })));
    const late = evaluateMonitor(monitor, campaign, woke.state, { series, changedFrom: hourAfter(10), now: hourAfter(12) });
    expect(late.retracted.map(line)).toEqual([`${hourAfter(11)} silent web ok->firing`]);
    expect(late.transitions).toEqual([]);
  });

  it("projected burn: spend so far drawn to the campaign's end, from the first day on", () => {
    // 120 an hour for 10 days is 28,800 of a 24,000 budget: projected 120 %, actual 20 % after two days.
    const points = hourly(morning, 48, ['web'], () => ({ spend: 120 }));
    const rules: RuleInput[] = [
      { id: 'projected', kind: 'budget', per: 'campaign', share: 1, basis: 'projected' },
      { id: 'actual', kind: 'budget', per: 'campaign', share: 0.5 },
    ];
    const r = replayMonitor(campaign, parse({ rules }), points);
    expect(r.transitions.map(line)).toEqual([`${hourAfter(23)} projected * ok->firing`]);
    expect(r.transitions[0]!.value).toBeCloseTo(1.2, 12);
    expect(r.statuses.find((x) => x.ruleId === 'actual')!.value).toBeCloseTo(0.24, 12);
  });

  it("sustained days follow the campaign's calendar across a DST change (a 23-hour day)", () => {
    const berlin: MonitoredCampaign = {
      timezone: 'Europe/Berlin',
      phases: [{ startsAt: '2026-03-26T23:00:00Z', endsAt: '2026-04-05T22:00:00Z' }],
      channels: [{ name: 'web' }],
    };
    const from = Date.parse('2026-03-26T23:00:00Z'); // midnight of 27 March, CET
    // CTR low on 28 and 29 March local; 29 March has 23 hours (clocks go forward at 02:00).
    const low = (t: number) => t >= Date.parse('2026-03-27T23:00:00Z') && t < Date.parse('2026-03-29T22:00:00Z');
    const points = hourly(from, 6 * 24, ['web'], (h) => ({ impressions: 1000, clicks: low(from + h * HOUR_MS) ? 10 : 30 }));
    const rule: RuleInput = {
      id: 'two_low_days',
      kind: 'sustained',
      unit: 'days',
      count: 2,
      condition: { kind: 'threshold', metric: 'ctr', op: 'below', value: 0.02 },
    };
    const r = replayMonitor(berlin, parse({ rules: [rule] }), points);
    // The last hourly bucket of 29 March (CEST) starts at 21:00 UTC; of 30 March at 21:00 UTC too.
    expect(r.transitions.map(line)).toEqual([
      '2026-03-29T21:00:00.000Z two_low_days web ok->firing',
      '2026-03-30T21:00:00.000Z two_low_days web firing->ok',
    ]);
  });
});

describe('replayMonitor', () => {
  const monitor = parse({ rules: [lowCtr()] });

  it('names a bad point by its index in the list, as a MonitorInputError', () => {
    const points = ctrSeries([0.03, 0.03]);
    points.splice(3, 0, { ts: at(1), channel: 'web', metric: 'clicks', value: Number.NaN });
    expect(() => replayMonitor(synthetic(2), monitor, points, { batch: 2 })).toThrow(/^points\[3\]: NaN is not a metric value/);
    expect(() => replayMonitor(synthetic(2), monitor, points, { batch: 0 })).toThrow(MonitorInputError);
  });

  it('bounds its cost: points, calls', () => {
    expect(() => replayMonitor(synthetic(2), monitor, new Array<MetricPoint>(MAX_REPLAY_POINTS + 1))).toThrow(/at most 500000/);
    const many = hourly(START, MAX_REPLAY_CALLS + 1, ['web'], () => ({ impressions: 1 }));
    expect(() => replayMonitor(synthetic(2), monitor, many, { batch: 1 })).toThrow(/evaluation calls/);
  });
});

describe('hostile input', () => {
  const campaign = synthetic(3, ['douyin_ads', 'web']);
  const template = parse(campaignKpiWatch({ goals: campaign.goals }));
  const junk = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', '', ' ', '-1h', '0s', '99999d', '1e309', 'NaN', '5m', '1h', '7d', '400d'),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 12 }),
  );
  const hostileRule = fc.record(
    {
      id: fc.oneof(fc.constantFrom('a', 'constructor', 'toString', '__proto__', 'r1'), fc.string({ maxLength: 60 })),
      kind: fc.oneof(fc.constantFrom('threshold', 'target', 'deviation', 'sustained', 'budget', 'no_data'), junk),
      metric: fc.oneof(fc.constantFrom('ctr', 'cpa', 'budget_burn', 'negative_mentions', 'bogus'), junk),
      window: junk,
      value: junk,
      share: junk,
      by: junk,
      days: junk,
      count: junk,
      unit: fc.oneof(fc.constantFrom('days', 'evaluations'), junk),
      channels: fc.oneof(fc.array(fc.constantFrom('web', '__proto__', 'constructor', 'x'.repeat(70)), { maxLength: 60 }), junk),
      for: junk,
      keepFiringFor: junk,
      after: junk,
      trailing: junk,
      condition: fc.oneof(
        junk,
        fc.record({ kind: fc.constantFrom('threshold', 'deviation', 'target'), metric: fc.constantFrom('ctr', 'x') }),
      ),
      extra: junk,
    },
    { requiredKeys: [] },
  );
  const hostileConfig = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    fc.record({ every: junk, lateness: junk, rules: fc.oneof(junk, fc.array(hostileRule, { maxLength: 60 })) }, { requiredKeys: [] }),
  );

  it('parseMonitor never throws: a config is a monitor or a list of issues with paths', () => {
    fc.assert(
      fc.property(hostileConfig, (raw) => {
        const parsed = parseMonitor(raw);
        if (parsed.ok) expect(parsed.monitor.rules.length).toBeGreaterThan(0);
        else for (const i of parsed.issues) expect(Array.isArray(i.path) && typeof i.message === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a config that parses runs on a small series without throwing', () => {
    const series = BucketSeries.fromPoints(
      hourly(START, 30, ['web', 'douyin_ads'], (h) => ({
        impressions: 1000,
        clicks: 20 + h,
        spend: 50,
        conversions: 1,
        negative_mentions: h,
      })),
      { every: HOUR_MS, timeZone: 'Asia/Shanghai' },
    );
    const rule = fc.oneof(
      hostileRule,
      fc.record({
        id: fc.constantFrom('a', 'b', 'constructor'),
        kind: fc.constantFrom('threshold', 'target', 'deviation', 'budget', 'no_data'),
        metric: fc.constantFrom('ctr', 'cpa', 'negative_mentions', 'spend', 'budget_burn', 'clicks'),
        window: fc.constantFrom(undefined, '1h', '3h', '1d'),
        for: fc.constantFrom('0s', '1h', '3h', '31d'),
        keepFiringFor: fc.constantFrom('0s', '2h'),
        channels: fc.constantFrom([], ['web'], ['__proto__'], ['constructor', 'web']),
        per: fc.constantFrom('channel', 'campaign'),
      }),
    );
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 4 }), (rules) => {
        const parsed = parseMonitor({ rules: rules.map((r, i) => ({ ...r, id: `r${i}` })) });
        if (!parsed.ok) return;
        const r = evaluateMonitor(parsed.monitor, campaign, null, { series });
        expect(Array.isArray(r.transitions)).toBe(true);
        expect(({} as Record<string, unknown>).phase).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  const ts = fc.oneof(
    fc.integer({ min: 0, max: 72 }).map((h) => at(h)),
    fc.constantFrom(
      '+275760-09-13T00:00:00.000Z',
      '-271821-04-20T00:00:00.000Z',
      '2100-01-01T00:00:00Z',
      '1970-01-01T00:00:00Z',
      'soon',
      '',
    ),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  );
  const point = fc.record({
    ts,
    channel: fc.constantFrom('web', 'douyin_ads', 'unknown', '__proto__', 'constructor', 'toString', ''),
    metric: fc.oneof(fc.constantFrom(...RAW_METRICS), fc.constantFrom('bogus', 'toString', '__proto__')),
    value: fc.oneof(fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e300, -5, 0), fc.double(), fc.integer({ min: 0, max: 10_000 })),
  });

  it('point streams (NaN, Infinity, far-off times, unknown channels) fail only with MonitorInputError', () => {
    fc.assert(
      fc.property(fc.array(point, { maxLength: 40 }), fc.constantFrom<number | 'bucket'>('bucket', 1, 7), (points, batch) => {
        try {
          const r = replayMonitor(campaign, template, points as MetricPoint[], { batch });
          for (const t of r.transitions) expect(Number.isFinite(Date.parse(t.at))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(MonitorInputError);
        }
        expect(({} as Record<string, unknown>).phase).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('a channel called "__proto__" or "constructor" is judged like any other, without touching prototypes', () => {
    const points = hourly(START, 6, ['__proto__', 'constructor'], (h) => ({ impressions: 1000, clicks: h < 3 ? 10 : 30 }));
    const r = replayMonitor(campaign, parse({ rules: [lowCtr()] }), points);
    expect(r.transitions.map(line)).toEqual([
      `${at(0)} low_ctr __proto__ ok->firing`,
      `${at(0)} low_ctr constructor ok->firing`,
      `${at(3)} low_ctr __proto__ firing->ok`,
      `${at(3)} low_ctr constructor firing->ok`,
    ]);
    const again = evaluateMonitor(parse({ rules: [lowCtr()] }), campaign, JSON.parse(JSON.stringify(r.state)), {
      series: BucketSeries.fromPoints(points, { every: HOUR_MS, timeZone: 'Asia/Shanghai' }),
    });
    expect(again.transitions).toEqual([]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).phase).toBeUndefined();
  });

  it('evaluateMonitor and planEvaluation refuse a bad clock, change time or state by name', () => {
    const series = BucketSeries.fromPoints(ctrSeries([0.03]), { every: HOUR_MS, timeZone: 'Asia/Shanghai' });
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.string({ maxLength: 30 }), fc.constantFrom(1e300, -1e300, 8.64e15, '+275760-09-13T00:00:00Z')),
        fc.constantFrom('now', 'changedFrom') as fc.Arbitrary<'now' | 'changedFrom'>,
        (t, field) => {
          for (const call of [
            () => evaluateMonitor(template, campaign, null, { series, [field]: t }),
            () => planEvaluation(template, campaign, null, { [field === 'now' ? 'watermark' : field]: t }),
          ]) {
            try {
              call();
            } catch (e) {
              expect(e).toBeInstanceOf(MonitorInputError);
              expect((e as Error).message).toMatch(/^(now|changedFrom|watermark): /);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
    // Stored state as storage may hand it back: foreign, or ours (its fingerprint matches) with a part replaced.
    const low = parse({ rules: [lowCtr()] });
    const fresh = evaluateMonitor(low, campaign, null, { series });
    const good = fresh.state;
    const part = fc.constantFrom('through', 'machines', 'checkpoints', 'tail', 'log', 'fingerprint');
    const junkPart = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.array(fc.anything({ maxDepth: 2 }), { minLength: 1, maxLength: 3 }),
      fc.dictionary(fc.constantFrom('web', '__proto__'), fc.anything({ maxDepth: 2 })),
    );
    const field = fc.constantFrom('phase', 'since', 'cleared', 'streak', 'lastSeen', 'carried', 'value', 'at');
    const junkValue = fc.oneof(fc.double(), fc.constantFrom(8.64e15, -8.64e15, 1e300, 'ok', null, true), fc.integer());
    const stored = fc.oneof(
      fc.anything({ maxDepth: 4 }),
      fc.tuple(fc.boolean(), field, junkValue).map(([inCheckpoint, key, value]) => {
        const state = JSON.parse(JSON.stringify(good)) as { rules: Record<string, RuleState> };
        const rule = state.rules.low_ctr!;
        (inCheckpoint ? rule.checkpoints[0]!.machines : rule.machines).web![key] = value as never;
        return state;
      }),
      fc.tuple(part, junkPart).map(([key, value]) => {
        const state = JSON.parse(JSON.stringify(good)) as { rules: Record<string, Record<string, unknown>> };
        state.rules.low_ctr![key] = value;
        return state;
      }),
    );
    fc.assert(
      fc.property(stored, (state) => {
        const again = evaluateMonitor(low, campaign, state as never, { series, changedFrom: at(0) });
        // A well-formed replacement is a state like another; anything else starts the rule again. Neither throws.
        expect(again.statuses.map((x) => x.channel)).toEqual(fresh.statuses.map((x) => x.channel));
      }),
      { numRuns: 300 },
    );
  });

  it('bounds one call: a point in 2099 walks at most MAX_REPLAY_MS of buckets; too many channels are refused', () => {
    const read = new Set<number>();
    const inner = BucketSeries.fromPoints(
      [...ctrSeries([0.03]), { ts: '2099-12-31T00:00:00Z', channel: 'web', metric: 'impressions', value: 1 }],
      { every: HOUR_MS, timeZone: 'Asia/Shanghai' },
    );
    let calls = 0;
    const counting: MetricSeries = {
      every: inner.every,
      latest: () => inner.latest(),
      earliest: () => inner.earliest(),
      channels: () => inner.channels(),
      bucket: (c, b) => {
        calls++;
        read.add(b);
        return inner.bucket(c, b);
      },
      totalBefore: (c, m, b) => inner.totalBefore(c, m, b),
    };
    const r = evaluateMonitor(template, campaign, emptyMonitorState(), { series: counting });
    const head = inner.latest()!;
    // The deepest look-back of the template: 14 days of same-hour baselines for 14-day sustained rules.
    const deepest = head - MAX_REPLAY_MS - 31 * DAY_MS;
    expect(Math.min(...read)).toBeGreaterThanOrEqual(deepest);
    const buckets = MAX_REPLAY_MS / HOUR_MS + 1;
    const reads = template.rules.reduce((n, rule) => n + readsPerEvaluation(rule, HOUR_MS), 0);
    expect(reads).toBeLessThan(MAX_READS_PER_EVALUATION / 20);
    // Every bucket walked, for each channel, reads what the rules say (day spans of sustained rules once per call).
    expect(calls).toBeLessThanOrEqual(buckets * 2 * reads);
    expect(r.watermark).toBe(new Date(head).toISOString());

    // A monitor that would read too much per evaluation is refused when it is written, naming where.
    const heavy = parseMonitor({
      every: '5m',
      rules: Array.from({ length: 5 }, (_, i) => ({ id: `r${i}`, kind: 'deviation', metric: 'ctr', window: '14h', days: 28 })),
    });
    expect(heavy.ok ? [] : heavy.issues.map((i) => i.path)).toEqual([['rules']]);

    const crowd = hourly(
      START,
      1,
      Array.from({ length: MAX_MONITORED_CHANNELS + 1 }, (_, i) => `c${i}`),
      () => ({ impressions: 1 }),
    );
    expect(() => replayMonitor(campaign, template, crowd)).toThrow(/at most 200/);
  });
});

describe('event-time determinism (property)', () => {
  const campaign = synthetic(4, ['douyin_ads', 'web']);
  // One rule of each kind, with pending and keep-firing periods, on a 4-day series.
  const monitor = parse({
    rules: [
      lowCtr({ for: '2h', keepFiringFor: '2h' }),
      { id: 'ctr_target', kind: 'target', metric: 'ctr', share: 0.9 },
      { id: 'mentions_up', kind: 'deviation', metric: 'negative_mentions', per: 'campaign', by: 0.3, days: 3, keepFiringFor: '1h' },
      {
        id: 'ctr_days',
        kind: 'sustained',
        count: 2,
        unit: 'days',
        condition: { kind: 'deviation', metric: 'ctr', by: 0.05, days: 2, stat: 'mean' },
      },
      {
        id: 'ctr_evals',
        kind: 'sustained',
        count: 3,
        unit: 'evaluations',
        condition: { kind: 'threshold', metric: 'ctr', op: 'below', value: 0.02 },
      },
      { id: 'burn', kind: 'budget', share: 0.3 },
      { id: 'burn_projected', kind: 'budget', per: 'campaign', share: 0.9, basis: 'projected' },
      { id: 'silent', kind: 'no_data', after: '2h' },
    ],
  });
  const hours = 4 * 24;
  const pointsOf = (factors: readonly number[]) =>
    hourly(START, hours, ['douyin_ads', 'web'], (h, c) => {
      const f = factors[h % factors.length]!;
      if (f === 0 && c === 'web') return null; // an outage: no rows
      const impressions = 5000 * (c === 'web' ? 1 : 1.5);
      return {
        impressions,
        clicks: impressions * 0.025 * (c === 'web' ? f : 1),
        conversions: impressions * 0.025 * 0.03,
        spend: 20 * f,
        negative_mentions: 12 * f,
      };
    });

  it('any batch order and size gives the same final transitions', () => {
    check(campaign);
  });

  it('the same without phase dates, where judging starts at the earliest point', () => {
    check(
      { ...campaign, phases: [] },
      monitor.rules.filter((r) => r.id !== 'burn_projected'),
    );
  });

  function check(campaign: MonitoredCampaign, rules = monitor.rules) {
    const m = { ...monitor, rules };
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(1, 1, 1, 0.5, 1.6, 0), { minLength: 30, maxLength: 60 }),
        fc.array(fc.integer(), { minLength: hours, maxLength: hours }),
        fc.integer({ min: 10, max: 60 }),
        (factors, keys, size) => {
          const points = pointsOf(factors);
          const inOrder = replayMonitor(campaign, m, points);
          // Hours in a generated order, then cut into batches of `size` points.
          const byHour = new Map<string, MetricPoint[]>();
          for (const p of points) byHour.set(p.ts, [...(byHour.get(p.ts) ?? []), p]);
          const order = [...byHour.keys()].map((k, i) => ({ k, key: keys[i]! })).sort((a, b) => a.key - b.key);
          const scrambled = order.flatMap(({ k }) => byHour.get(k)!);
          const r = replayMonitor(campaign, m, scrambled, { batch: size });
          expect(r.transitions).toEqual(inOrder.transitions);
        },
      ),
      { numRuns: 10 },
    );
  }
});

describe('describeRule', () => {
  const d = (rule: RuleInput, locale: 'en' | 'zh-CN' = 'en') => describeRule(ruleSchema().parse(rule), locale);

  it('threshold', () => {
    const r: RuleInput = { id: 'a', kind: 'threshold', metric: 'ctr', op: 'below', value: 0.02, channels: ['xhs_kol'] };
    expect(d(r)).toBe('CTR on xhs_kol is below 2 %');
    expect(d(r, 'zh-CN')).toBe('xhs_kol的点击率低于2%');
    expect(d({ id: 'a', kind: 'threshold', metric: 'spend', value: 5000, window: '1d', per: 'campaign' })).toBe(
      'Spend across the campaign over 1 day is above 5000',
    );
    expect(d({ id: 'a', kind: 'threshold', metric: 'spend', value: 5000, window: '1d', per: 'campaign' }, 'zh-CN')).toBe(
      '整个活动的花费（1 天内）高于5000',
    );
  });

  it('target', () => {
    const r: RuleInput = { id: 'a', kind: 'target', metric: 'ctr', channels: ['xhs_kol'], share: 0.8 };
    expect(d(r)).toBe('CTR on xhs_kol is below 80 % of target');
    expect(d(r, 'zh-CN')).toBe('xhs_kol的点击率低于目标的 80%');
    const cpa: RuleInput = { id: 'a', kind: 'target', metric: 'cpa', per: 'campaign', share: 1.2, for: '6h' };
    expect(d(cpa)).toBe('CPA / CAC across the campaign is above 120 % of target, for 6 hours before it fires');
    expect(d(cpa, 'zh-CN')).toBe('整个活动的单次转化成本 / 获客成本高于目标的 120%，持续 6 小时后告警');
    const plan: RuleInput = { id: 'a', kind: 'target', metric: 'ctr', against: 'plan', share: 0.9, op: 'below' };
    expect(d(plan)).toBe('CTR on each channel is below 90 % of plan');
    expect(d(plan, 'zh-CN')).toBe('各渠道的点击率低于计划值的 90%');
  });

  it('deviation', () => {
    const r: RuleInput = { id: 'a', kind: 'deviation', metric: 'ctr', by: 0.15, days: 14 };
    expect(d(r)).toBe('CTR on each channel moves more than ±15 % from the median of the same time on the previous 14 days');
    expect(d(r, 'zh-CN')).toBe('各渠道的点击率相对前 14 天同一时段的中位数偏离超过 ±15%');
    const neg: RuleInput = {
      id: 'a',
      kind: 'deviation',
      metric: 'negative_mentions',
      per: 'campaign',
      by: 0.5,
      direction: 'up',
      baseline: 'trailing',
      trailing: '1d',
      ignoreBelow: 10,
      keepFiringFor: '2h',
    };
    expect(d(neg)).toBe(
      'Negative mentions across the campaign rises more than 50 % from the preceding 1 day (while both are below 10, no alert); ' +
        'keeps firing 2 hours after it clears',
    );
    expect(d(neg, 'zh-CN')).toBe('整个活动的负面声量相对之前 1 天上升超过 50%（两者都低于 10 时不告警）；恢复后仍保持告警 2 小时');
  });

  it('sustained', () => {
    const r: RuleInput = {
      id: 'a',
      kind: 'sustained',
      channels: ['xhs_kol'],
      count: 3,
      unit: 'days',
      condition: { kind: 'target', metric: 'ctr', share: 0.8 },
    };
    expect(d(r)).toBe('CTR on xhs_kol is below 80 % of target for 3 days');
    expect(d(r, 'zh-CN')).toBe('xhs_kol的点击率低于目标的 80%，连续 3 天');
    const e: RuleInput = {
      id: 'a',
      kind: 'sustained',
      count: 4,
      unit: 'evaluations',
      condition: { kind: 'threshold', metric: 'cvr', op: 'below', value: 0.01, window: '6h' },
    };
    expect(d(e)).toBe('CVR on each channel over 6 hours is below 1 % for 4 evaluations in a row');
    expect(d(e, 'zh-CN')).toBe('各渠道的转化率（6 小时内）低于1%，连续 4 次评估');
  });

  it('budget', () => {
    expect(d({ id: 'a', kind: 'budget', share: 0.8 })).toBe('Spend on each channel reaches 80 % of its budget line');
    expect(d({ id: 'a', kind: 'budget', share: 0.8 }, 'zh-CN')).toBe('各渠道的花费达到其渠道预算的 80%');
    const total: RuleInput = { id: 'a', kind: 'budget', per: 'campaign', share: 1, basis: 'projected' };
    expect(d(total)).toBe('Spend across the campaign is projected to reach 100 % of the campaign budget');
    expect(d(total, 'zh-CN')).toBe('整个活动的花费预计达到活动总预算的 100%');
    const two: RuleInput = { id: 'a', kind: 'budget', per: 'campaign', channels: ['sms', 'wecom_groups'], share: 0.9 };
    expect(d(two)).toBe('Spend on sms, wecom_groups reaches 90 % of their budget lines');
    expect(d(two, 'zh-CN')).toBe('sms、wecom_groups的花费达到其渠道预算合计的 90%');
  });

  it('no data', () => {
    expect(d({ id: 'a', kind: 'no_data', after: '2h' })).toBe(
      'A channel reports no impressions for 2 hours (a report of 0 counts as silence)',
    );
    expect(d({ id: 'a', kind: 'no_data', after: '2h' }, 'zh-CN')).toBe('任一渠道 2 小时没有曝光量数据（上报 0 也算无数据）');
    const one: RuleInput = { id: 'a', kind: 'no_data', after: '90m', channels: ['tmall_search'], zeroIsData: true, metric: 'clicks' };
    expect(d(one)).toBe('tmall_search reports no clicks for 90 minutes');
    expect(d(one, 'zh-CN')).toBe('tmall_search 90 分钟没有点击量数据');
  });

  it('every rule of the template reads as a sentence in both locales', () => {
    for (const rule of parse(campaignKpiWatch()).rules) {
      for (const locale of ['en', 'zh-CN'] as const) {
        const text = describeRule(rule, locale);
        expect(text.length).toBeGreaterThan(10);
        expect(text).not.toMatch(/undefined|NaN|\[object/);
      }
    }
  });
});
