import {
  addSums,
  goalFor,
  isRawMetric,
  lowerIsBetter,
  METRIC_IDS,
  metricIdOf,
  metricValue,
  METRICS,
  type Goal,
  type MetricId,
  type RawMetric,
  type RawSums,
} from '../kpi.ts';
import { addLocalDays, bucketStart, localDayStart } from '../time.ts';
import { parseDuration } from '../duration.ts';
import type { CampaignFacts } from './campaign.ts';
import type { Judgement } from './machine.ts';
import type { RuleCondition } from './schema.ts';
import type { MetricSeries } from './series.ts';

/** The channels a machine sums, and the budget its spend is measured against. */
export interface Scope {
  key: string;
  channels: readonly string[];
  budget: number | null;
}

/** A span of buckets [from, to) judged as one: a trailing window, or a calendar day. */
interface SpanValue {
  value: number | null;
  /** Buckets in the span in which any of the scope's channels reported. */
  filled: number;
  sums: RawSums;
}

/** The raw metrics each metric is computed from: a span sums only these. */
const INPUTS = {} as Record<MetricId, readonly RawMetric[]>;
for (const id of METRIC_IDS) {
  const def = METRICS[id];
  const inputs = def.numerator ? [def.numerator, def.denominator] : [id];
  INPUTS[id] = inputs.filter((m): m is RawMetric => m !== undefined && isRawMetric(m));
}

/** Fewer buckets of history than this make no trailing baseline: one hour is not a campaign's norm. */
const MIN_TRAILING_BUCKETS = 3;

/**
 * Values and conditions over the series, for one evaluation call. Day values are remembered for
 * the call, since every day of a sustained rule is looked at again on the days that follow.
 */
export class Judge {
  private readonly days = new Map<string, SpanValue>();
  /** The campaign's first bucket: a span that begins before it saw only part of its hours. */
  private readonly firstBucket: number | null;

  constructor(
    private readonly series: MetricSeries,
    private readonly facts: CampaignFacts,
  ) {
    this.firstBucket = facts.start === null ? null : bucketStart(facts.start, series.every, facts.timeZone);
  }

  /**
   * Whether a previous day's span can stand for that time of day. One that began before the
   * campaign holds only its later hours: for a sum (mentions, spend, burn) 6 hours against 2 is
   * not a rise, while a rate of two sums (CTR over 4 of 6 hours) is still the rate.
   */
  private comparable(metric: MetricId, start: number): boolean {
    if (this.firstBucket === null || start >= this.firstBucket) return true;
    const d = METRICS[metric].denominator;
    return d !== undefined && d !== 'budget';
  }

  get every(): number {
    return this.series.every;
  }

  /** Whether bucket `b` is the last of its calendar day in the campaign's zone. */
  endsDay(b: number): boolean {
    const tz = this.facts.timeZone;
    return localDayStart(b + this.every, tz) !== localDayStart(b, tz);
  }

  hasData(channels: readonly string[], b: number, metric: keyof RawSums, zeroIsData: boolean): boolean {
    for (const c of channels) {
      const v = this.series.bucket(c, b)?.[metric];
      if (v !== undefined && (zeroIsData || v !== 0)) return true;
    }
    return false;
  }

  spendBefore(channels: readonly string[], b: number): number {
    let total = 0;
    for (const c of channels) total += this.series.totalBefore(c, 'spend', b);
    return total;
  }

  private span(metric: MetricId, scope: Scope, from: number, to: number): SpanValue {
    const sums: RawSums = {};
    const inputs = INPUTS[metric];
    let filled = 0;
    for (let t = from; t < to; t += this.every) {
      let any = false;
      for (const c of scope.channels) {
        const b = this.series.bucket(c, t);
        if (b) {
          // Only what the metric is computed from, added in the same order as a sum of every metric would.
          for (const m of inputs) {
            const v = b[m];
            if (v !== undefined) sums[m] = (sums[m] ?? 0) + v;
          }
          any = true;
        }
      }
      if (any) filled++;
    }
    return { value: filled ? metricValue(metric, sums, { budget: scope.budget }) : null, filled, sums };
  }

  private daySpan(metric: MetricId, scope: Scope, day: number): SpanValue {
    const key = `${metric}|${scope.channels.join(',')}|${scope.budget}|${day}`;
    let v = this.days.get(key);
    if (!v) this.days.set(key, (v = this.span(metric, scope, day, addLocalDays(day, 1, this.facts.timeZone))));
    return v;
  }

  /** The condition over the trailing window ending with bucket `b`. */
  atBucket(cond: RuleCondition, scope: Scope, b: number): Judgement {
    const buckets = cond.window ? (parseDuration(cond.window) ?? this.every) / this.every : 1;
    const from = b - (buckets - 1) * this.every;
    const to = b + this.every;
    return this.judge(cond, scope, this.span(cond.metric, scope, from, to), from, to, (k) => {
      const tz = this.facts.timeZone;
      const start = addLocalDays(from, -k, tz);
      return this.comparable(cond.metric, start) ? this.span(cond.metric, scope, start, start + (to - from)) : null;
    });
  }

  /** The condition over the whole calendar day starting at `day`. */
  overDay(cond: RuleCondition, scope: Scope, day: number): Judgement {
    const to = addLocalDays(day, 1, this.facts.timeZone);
    return this.judge(cond, scope, this.daySpan(cond.metric, scope, day), day, to, (k) => {
      const start = addLocalDays(day, -k, this.facts.timeZone);
      return this.comparable(cond.metric, start) ? this.daySpan(cond.metric, scope, start) : null;
    });
  }

  private judge(
    cond: RuleCondition,
    scope: Scope,
    current: SpanValue,
    from: number,
    to: number,
    sameTimeDaysBefore: (k: number) => SpanValue | null,
  ): Judgement {
    const value = current.value;
    switch (cond.kind) {
      case 'threshold':
        return {
          holds: value === null ? null : cond.op === 'above' ? value > cond.value : value < cond.value,
          value,
          threshold: cond.value,
        };
      case 'target': {
        const goal = targetGoal(this.facts, cond, scope);
        if (!goal || value === null) return { holds: null, value, threshold: null };
        const threshold = goal.target * cond.share;
        const above = cond.op === 'above' || (cond.op === 'worse' && lowerIsBetter(goal));
        return { holds: above ? value > threshold : value < threshold, value, threshold };
      }
      case 'deviation': {
        const baseline =
          cond.baseline === 'same_time'
            ? (this.sameTime(cond, sameTimeDaysBefore) ?? this.trailing(cond, scope, from, to))
            : this.trailing(cond, scope, from, to);
        if (value === null || baseline === null || baseline === 0) return { holds: null, value, threshold: null, baseline };
        const rel = value / baseline - 1;
        const up = value >= baseline;
        const threshold = baseline * (up ? 1 + cond.by : 1 - cond.by);
        if (Math.max(Math.abs(value), Math.abs(baseline)) < cond.ignoreBelow) return { holds: false, value, threshold, baseline };
        const holds = cond.direction === 'up' ? rel > cond.by : cond.direction === 'down' ? rel < -cond.by : Math.abs(rel) > cond.by;
        return { holds, value, threshold, baseline };
      }
    }
  }

  /** The median (or mean) of the same span on each of the previous days that has a value. */
  private sameTime(cond: Extract<RuleCondition, { kind: 'deviation' }>, before: (k: number) => SpanValue | null): number | null {
    const values: number[] = [];
    for (let k = 1; k <= cond.days; k++) {
      const v = before(k)?.value ?? null;
      if (v !== null) values.push(v);
    }
    if (!values.length) return null;
    if (cond.stat === 'mean') return values.reduce((a, b) => a + b, 0) / values.length;
    values.sort((a, b) => a - b);
    const mid = values.length >> 1;
    return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  }

  /**
   * The span just before this one, pooled: a ratio KPI as the ratio of the sums, a count scaled
   * to this span's length, so a 1-hour window compares with an hourly average.
   */
  private trailing(cond: Extract<RuleCondition, { kind: 'deviation' }>, scope: Scope, from: number, to: number): number | null {
    const reach = parseDuration(cond.trailing) ?? 0;
    const back = this.span(cond.metric, scope, from - Math.floor(reach / this.every) * this.every, from);
    if (back.filled < MIN_TRAILING_BUCKETS) return null;
    const scaled: RawSums = {};
    addSums(scaled, back.sums, (to - from) / this.every / back.filled);
    return metricValue(cond.metric, scaled, { budget: scope.budget });
  }
}

/**
 * What a target condition compares with: the campaign goal (its own `goal`, else the goal on its
 * metric), or the channel's planned rate. A goal that is a total for the campaign's end is not a
 * rate to hold, and gives nothing.
 */
export function targetGoal(facts: CampaignFacts, cond: Extract<RuleCondition, { kind: 'target' }>, scope?: Scope): Goal | undefined {
  if (cond.against === 'plan') {
    const planned = scope && scope.channels.length === 1 ? facts.plans.get(scope.channels[0]!)?.[cond.metric] : undefined;
    return planned === undefined ? undefined : { kpi: cond.metric, target: planned };
  }
  const goal = namedGoal(facts, cond);
  return goal?.by === 'end' ? undefined : goal;
}

/** The campaign goal a target condition names (its own `goal`, else its metric's), whatever its kind. */
export function namedGoal(facts: CampaignFacts, cond: Extract<RuleCondition, { kind: 'target' }>): Goal | undefined {
  const id = cond.goal ? metricIdOf(cond.goal) : cond.metric;
  return id ? goalFor(facts.goals, id) : undefined;
}
