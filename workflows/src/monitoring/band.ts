import { checkPoint, type MetricPoint } from '../kpi.ts';
import { addLocalDays, bucketStart, HOUR_MS, localDayStart } from '../time.ts';
import { campaignFacts, type MonitoredCampaign } from './campaign.ts';
import { Judge, type Scope } from './judge.ts';
import { readsPerEvaluation, type Rule, type RuleCondition } from './schema.ts';
import { BucketSeries } from './series.ts';

/**
 * The band a deviation rule holds a KPI in, bucket by bucket: the baseline the rule compares with
 * and the lines it fires beyond. It is read from the rule evaluator's own Judge, so a chart's band
 * is exactly what the monitor judged against, not a second guess at the maths.
 */

/** A chart covers a campaign's month; a band over more buckets than this is a request to refuse, not to draw. */
export const MAX_BAND_BUCKETS = 24 * 100;
/** Bucket reads one band may cost in all (a month of an ordinary deviation rule is well under a tenth of it). */
export const BAND_READ_BUDGET = 5_000_000;

export interface BandPoint {
  /** Bucket start, epoch ms. */
  at: number;
  baseline: number;
  /** The lines the value may move between without the rule holding: the baseline where a direction is not judged. */
  lower: number;
  upper: number;
}

export interface BaselineBand {
  ruleId: string;
  /** The rule judges calendar days (a sustained-days rule): each day's band spans its hours. */
  daily: boolean;
  points: BandPoint[];
}

export interface BaselineBandInput {
  points: readonly unknown[];
  rule: Rule;
  campaign: MonitoredCampaign;
  /** The chart's scope: a channel, or null for the campaign overall. */
  channel: string | null;
}

/** The deviation condition a rule judges, alone or sustained; other rules draw a fixed line instead. */
function deviationOf(rule: Rule): Extract<RuleCondition, { kind: 'deviation' }> | null {
  if (rule.kind === 'deviation') return rule;
  if (rule.kind === 'sustained' && rule.condition.kind === 'deviation') return rule.condition;
  return null;
}

function usable(points: readonly unknown[]): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const p of points) {
    try {
      checkPoint(p as MetricPoint, 0);
      out.push(p as MetricPoint);
    } catch {
      // A malformed point is the chart's to count; the band simply does without it.
    }
  }
  return out;
}

function bandAround(baseline: number, cond: Extract<RuleCondition, { kind: 'deviation' }>, at: number): BandPoint {
  const below = baseline * (1 - cond.by);
  const above = baseline * (1 + cond.by);
  // A rise counts only once the value reaches ignoreBelow (3 mentions against 1 is +200 % but not news): the line a
  // rise must cross is the higher of the two.
  const upper = Math.max(below, above, cond.ignoreBelow > 0 && Math.abs(baseline) < cond.ignoreBelow ? cond.ignoreBelow : -Infinity);
  return {
    at,
    baseline,
    lower: cond.direction === 'up' ? baseline : Math.min(below, above),
    upper: cond.direction === 'down' ? baseline : upper,
  };
}

/**
 * The rule's band over the hours of `points` in the chart's scope, or null when the rule has no
 * baseline (not a deviation rule). Hours without a baseline (no earlier data yet) are left out.
 */
export function baselineBand(input: BaselineBandInput): BaselineBand | null {
  const cond = deviationOf(input.rule);
  if (!cond || !Array.isArray(input.points)) return null;
  const facts = campaignFacts(input.campaign);
  const tz = facts.timeZone;
  const series = BucketSeries.fromPoints(usable(input.points), { every: HOUR_MS, timeZone: tz });
  const first = series.earliest();
  const last = series.latest();
  if (first === undefined || last === undefined) return { ruleId: input.rule.id, daily: false, points: [] };
  const rule = input.rule;
  const channels = input.channel !== null ? [input.channel] : rule.channels.length ? rule.channels : series.channels();
  const lineOf = (c: string) => facts.lines.get(c) ?? null;
  const budget =
    input.channel !== null
      ? lineOf(input.channel)
      : rule.channels.length
        ? rule.channels.reduce((s, c) => s + (lineOf(c) ?? 0), 0)
        : facts.total;
  const scope: Scope = { key: input.channel ?? '*', channels, budget };
  const judge = new Judge(series, facts);
  // A rule's own reads per bucket (long windows × baseline days) times the buckets drawn: a crafted rule must not
  // freeze the browser of whoever opens the campaign page, so the band then covers only the latest hours.
  const reads = Math.max(1, readsPerEvaluation(rule, HOUR_MS)) * Math.max(1, channels.length);
  const buckets = Math.min(MAX_BAND_BUCKETS, Math.floor(BAND_READ_BUDGET / reads));
  if (buckets < 1) return { ruleId: rule.id, daily: false, points: [] };
  const from = Math.max(first, bucketStart(last - (buckets - 1) * HOUR_MS, HOUR_MS, tz));
  const points: BandPoint[] = [];
  const daily = rule.kind === 'sustained' && rule.unit === 'days';
  if (daily) {
    for (let day = localDayStart(from, tz); day <= last; day = addLocalDays(day, 1, tz)) {
      const { baseline } = judge.overDay(cond, scope, day);
      if (baseline === null || baseline === undefined || !Number.isFinite(baseline)) continue;
      const end = addLocalDays(day, 1, tz);
      for (let t = Math.max(day, from); t < end && t <= last; t += HOUR_MS) points.push(bandAround(baseline, cond, t));
    }
  } else {
    for (let t = from; t <= last; t += HOUR_MS) {
      const { baseline } = judge.atBucket(cond, scope, t);
      if (baseline !== null && baseline !== undefined && Number.isFinite(baseline)) points.push(bandAround(baseline, cond, t));
    }
  }
  return { ruleId: rule.id, daily, points };
}
