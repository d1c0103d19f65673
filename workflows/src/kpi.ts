import { DAY_MS, EARLIEST_DATE, HOUR_MS, LATEST_DATE, bucketStart, localDayStart } from './time.ts';

/**
 * The one definition of campaign KPI maths, shared by the monitor, the charts, the review and the
 * simulator. Raw metrics are what ad platforms report (sums); derived KPIs are ratios of sums, so
 * an hour, a day or a whole channel are computed the same way. A ratio with a zero denominator has
 * no value (null), never NaN or Infinity, and a non-finite input is refused rather than spread.
 */

export const RAW_METRICS = ['impressions', 'clicks', 'conversions', 'spend', 'revenue', 'new_customers', 'negative_mentions'] as const;
export type RawMetric = (typeof RAW_METRICS)[number];

export const DERIVED_KPIS = ['ctr', 'cvr', 'cpa', 'roi', 'aov', 'cpm', 'budget_burn', 'new_customer_share'] as const;
export type DerivedKpi = (typeof DERIVED_KPIS)[number];

export const METRIC_IDS = [...RAW_METRICS, ...DERIVED_KPIS] as const;
export type MetricId = RawMetric | DerivedKpi;

/** Other names the source documents and goal files use for the same KPI. */
export const KPI_ALIASES: Readonly<Record<string, MetricId>> = {
  cac: 'cpa',
  new_share: 'new_customer_share',
  negative: 'negative_mentions',
};

/** Sums of raw metrics over some points. A metric no point reported is absent, not zero. */
export type RawSums = Partial<Record<RawMetric, number>>;

/** "money" is in the campaign's currency; "ratio" is a plain fraction (0.025 = 2.5 %). */
export type MetricUnit = 'count' | 'money' | 'ratio';
/** Which way is good news. Spend and budget burn are neither: the plan decides. */
export type Better = 'higher' | 'lower' | 'neither';

export interface MetricLabel {
  en: string;
  'zh-CN': string;
}

export interface MetricDefinition {
  id: MetricId;
  label: MetricLabel;
  unit: MetricUnit;
  better: Better;
  /** Derived KPIs only: value = numerator / denominator × scale; "budget" is the budget line or total. */
  numerator?: RawMetric;
  denominator?: RawMetric | 'budget';
  scale?: number;
  /** How the KPI is computed, for docs and tooltips. */
  formula: string;
}

const raw = (id: RawMetric, en: string, zh: string, unit: MetricUnit, better: Better): MetricDefinition => ({
  id,
  label: { en, 'zh-CN': zh },
  unit,
  better,
  formula: `sum of ${id}`,
});
const ratio = (
  id: DerivedKpi,
  en: string,
  zh: string,
  unit: MetricUnit,
  better: Better,
  numerator: RawMetric,
  denominator: RawMetric | 'budget',
  scale = 1,
): MetricDefinition => ({
  id,
  label: { en, 'zh-CN': zh },
  unit,
  better,
  numerator,
  denominator,
  scale,
  formula: `${numerator} / ${denominator}${scale === 1 ? '' : ` × ${scale}`}`,
});

export const METRICS: Readonly<Record<MetricId, MetricDefinition>> = {
  impressions: raw('impressions', 'Impressions', '曝光量', 'count', 'higher'),
  clicks: raw('clicks', 'Clicks', '点击量', 'count', 'higher'),
  conversions: raw('conversions', 'Conversions', '转化量', 'count', 'higher'),
  spend: raw('spend', 'Spend', '花费', 'money', 'neither'),
  revenue: raw('revenue', 'Revenue', '销售额', 'money', 'higher'),
  new_customers: raw('new_customers', 'New customers', '新客数', 'count', 'higher'),
  negative_mentions: raw('negative_mentions', 'Negative mentions', '负面声量', 'count', 'lower'),
  ctr: ratio('ctr', 'CTR (click-through rate)', '点击率 (CTR)', 'ratio', 'higher', 'clicks', 'impressions'),
  cvr: ratio('cvr', 'CVR (conversion rate)', '转化率 (CVR)', 'ratio', 'higher', 'conversions', 'clicks'),
  cpa: ratio('cpa', 'CPA / CAC (cost per acquisition)', '单次转化成本 / 获客成本 (CPA/CAC)', 'money', 'lower', 'spend', 'conversions'),
  roi: ratio('roi', 'ROI (revenue / spend)', '投资回报率 (ROI)', 'ratio', 'higher', 'revenue', 'spend'),
  // The scenario files report no orders, so an order is a conversion.
  aov: ratio('aov', 'AOV (average order value)', '客单价 (AOV)', 'money', 'higher', 'revenue', 'conversions'),
  cpm: ratio('cpm', 'CPM (cost per 1,000 impressions)', '千次曝光成本 (CPM)', 'money', 'lower', 'spend', 'impressions', 1000),
  budget_burn: ratio('budget_burn', 'Budget burn', '预算消耗率', 'ratio', 'neither', 'spend', 'budget'),
  new_customer_share: ratio('new_customer_share', 'New-customer share', '新客占比', 'ratio', 'higher', 'new_customers', 'conversions'),
};

/**
 * Largest magnitude a metric value may have: a quadrillion covers any impression count or spend,
 * and keeps every sum and ratio of such values finite.
 */
export const MAX_METRIC_VALUE = 1e15;

export class MetricValueError extends Error {
  override name = 'MetricValueError';
}

export function isMetricValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_METRIC_VALUE;
}

export function isRawMetric(id: string): id is RawMetric {
  return (RAW_METRICS as readonly string[]).includes(id);
}

export function isMetricId(id: string): id is MetricId {
  return Object.hasOwn(METRICS, id);
}

/** A metric id as goal files and people write it ("CAC", "cac") → the one id, or undefined. */
export function metricIdOf(name: string): MetricId | undefined {
  const id = name.trim().toLowerCase();
  if (isMetricId(id)) return id;
  return Object.hasOwn(KPI_ALIASES, id) ? KPI_ALIASES[id] : undefined;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** n / d, or null when d is zero (or the quotient is not a number). */
export function safeRatio(n: number, d: number): number | null {
  if (!Number.isFinite(n) || !Number.isFinite(d)) throw new MetricValueError(`Not a finite number: ${n} / ${d}`);
  return d === 0 ? null : finiteOrNull(n / d);
}

export interface KpiContext {
  /** The budget the spend is measured against (the channel's line or the campaign total), for budget burn. */
  budget?: number | null;
}

/**
 * The value of a metric over some sums. A raw metric no point reported has no value; a derived
 * KPI whose denominator is zero or absent has none either.
 */
export function metricValue(id: MetricId, sums: Readonly<RawSums>, context: KpiContext = {}): number | null {
  const def = METRICS[id];
  if (!def.numerator) {
    const v = sums[id as RawMetric];
    if (v === undefined) return null;
    if (!Number.isFinite(v)) throw new MetricValueError(`${id} is not a finite number`);
    return v;
  }
  const n = sums[def.numerator] ?? 0;
  const d = def.denominator === 'budget' ? (context.budget ?? 0) : (sums[def.denominator!] ?? 0);
  const r = safeRatio(n, d);
  return r === null ? null : finiteOrNull(r * (def.scale ?? 1));
}

/** All KPIs at once, for a review or a chart's tooltip. */
export function allMetricValues(sums: Readonly<RawSums>, context: KpiContext = {}): Record<MetricId, number | null> {
  const out = {} as Record<MetricId, number | null>;
  for (const id of METRIC_IDS) out[id] = metricValue(id, sums, context);
  return out;
}

/** A metric point as ingest stores it; the value is refused unless finite and within MAX_METRIC_VALUE. */
export interface MetricPoint {
  ts: string;
  channel: string;
  metric: string;
  value: number;
  dimensions?: Record<string, string>;
}

/** Adds one value into sums in place. Unknown metric names are not KPI inputs and are left out. */
export function addToSums(sums: RawSums, metric: string, value: number): void {
  if (!isMetricValue(value))
    throw new MetricValueError(`${metric}: ${String(value)} is not a metric value (a finite number up to ${MAX_METRIC_VALUE})`);
  if (!isRawMetric(metric)) return;
  sums[metric] = (sums[metric] ?? 0) + value;
}

export function addSums(into: RawSums, from: Readonly<RawSums>, times = 1): void {
  for (const m of RAW_METRICS) {
    const v = from[m];
    if (v !== undefined) into[m] = (into[m] ?? 0) + v * times;
  }
}

export interface PointFilter {
  /** One channel, several, or every channel (absent or "*"). */
  channel?: string | readonly string[];
  /** Inclusive start and exclusive end, ISO or epoch ms. */
  from?: string | number;
  to?: string | number;
}

const toMs = (t: string | number) => (typeof t === 'number' ? t : Date.parse(t));

function channelTest(channel: PointFilter['channel']): (name: string) => boolean {
  if (channel === undefined || channel === '*') return () => true;
  const set = new Set(typeof channel === 'string' ? [channel] : channel);
  return (name) => set.has(name);
}

/** A point's time (ms), once its time, channel and value are known to be good; refuses the point otherwise, naming its index. */
export function checkPoint(p: MetricPoint, i: number): number {
  const t = typeof p.ts === 'string' ? Date.parse(p.ts) : NaN;
  if (!Number.isFinite(t)) throw new MetricValueError(`Point ${i}: "${String(p.ts)}" is not a time`);
  // Year 275760 parses, but a day after it is no date at all, and every zone lookup near it throws.
  if (t < EARLIEST_DATE || t >= LATEST_DATE) throw new MetricValueError(`Point ${i}: "${p.ts}" is not between 2000 and 2099`);
  if (typeof p.channel !== 'string' || !p.channel) throw new MetricValueError(`Point ${i}: no channel`);
  if (!isMetricValue(p.value))
    throw new MetricValueError(`Point ${i}: ${String(p.value)} is not a metric value (a finite number up to ${MAX_METRIC_VALUE})`);
  return t;
}

/** Sums the raw metrics of the points that pass the filter (a channel or all, a time window). */
export function sumPoints(points: readonly MetricPoint[], filter: PointFilter = {}): RawSums {
  const wanted = channelTest(filter.channel);
  const from = filter.from === undefined ? -Infinity : toMs(filter.from);
  const to = filter.to === undefined ? Infinity : toMs(filter.to);
  const sums: RawSums = {};
  points.forEach((p, i) => {
    const t = checkPoint(p, i);
    if (wanted(p.channel) && t >= from && t < to) addToSums(sums, p.metric, p.value);
  });
  return sums;
}

export interface Bucket {
  /** The bucket's start, ISO (UTC). */
  start: string;
  sums: RawSums;
}

/**
 * Points summed into hourly or daily buckets of the zone's wall clock (days are the campaign's
 * calendar days, 23 or 25 hours long across a DST change), in time order. `every` may also be a
 * number of ms that divides an hour.
 */
export function bucketPoints(
  points: readonly MetricPoint[],
  options: { every: 'hour' | 'day' | number; timeZone: string; channel?: PointFilter['channel'] },
): Bucket[] {
  const every = options.every === 'hour' ? HOUR_MS : options.every === 'day' ? DAY_MS : options.every;
  if (every !== DAY_MS && (!Number.isInteger(every) || every <= 0 || HOUR_MS % every !== 0))
    throw new MetricValueError(`A bucket of ${every} ms does not divide an hour`);
  const wanted = channelTest(options.channel);
  const starts = new Map<number, RawSums>();
  points.forEach((p, i) => {
    const t = checkPoint(p, i);
    if (!wanted(p.channel) || !isRawMetric(p.metric)) return;
    const start = every === DAY_MS ? localDayStart(t, options.timeZone) : bucketStart(t, every, options.timeZone);
    let sums = starts.get(start);
    if (!sums) starts.set(start, (sums = {}));
    addToSums(sums, p.metric, p.value);
  });
  return [...starts.entries()].sort((a, b) => a[0] - b[0]).map(([start, sums]) => ({ start: new Date(start).toISOString(), sums }));
}

/** A campaign goal as the campaign holds it. `direction: "max"` means the target is a ceiling (lower is better). */
export interface Goal {
  kpi: string;
  target: number;
  unit?: string;
  direction?: 'min' | 'max';
  /** "end": a total to reach by the campaign's end (revenue), not a rate to hold. */
  by?: string;
}

/** Whether lower is better for this goal: its own direction, else what the KPI says. */
export function lowerIsBetter(goal: Goal): boolean {
  if (goal.direction) return goal.direction === 'max';
  const id = metricIdOf(goal.kpi);
  return id !== undefined && METRICS[id].better === 'lower';
}

/** The campaign's goal for a metric, by id or alias. */
export function goalFor(goals: readonly Goal[] | undefined, metric: MetricId): Goal | undefined {
  return goals?.find((g) => metricIdOf(g.kpi) === metric);
}

/**
 * How much of a goal the actual value achieves, where 1 is on target and more is better:
 * actual / target for a goal to reach, target / actual for a ceiling (CPA 45 against a ceiling of
 * 50 is 1.11). Null when either side is missing or the division has no value.
 */
export function attainment(goal: Goal, actual: number | null | undefined): number | null {
  if (actual === null || actual === undefined || !Number.isFinite(goal.target)) return null;
  return lowerIsBetter(goal) ? safeRatio(goal.target, actual) : safeRatio(actual, goal.target);
}

/* ------------------------------------------------------------------------------------------
 * A/B comparison of two click-through rates, Bayesian: each arm's CTR has the posterior
 * Beta(1 + clicks, 1 + impressions − clicks) from a uniform prior, and the answer is P(CTR_B > CTR_A).
 * ---------------------------------------------------------------------------------------- */

/** An arm's counts. Platforms report fractional (modelled) clicks; counts are rounded to whole ones. */
export interface ArmCounts {
  clicks: number;
  impressions: number;
}

export interface CtrComparison {
  /** P(CTR_B > CTR_A) under the two posteriors. */
  probabilityBBeatsA: number;
  /** "exact": the closed-form sum; "normal": the normal approximation of the two posteriors (large counts). */
  method: 'exact' | 'normal';
}

/**
 * The closed-form sum has one term per click of the arm it runs over (the one with fewer clicks), so
 * its cost is bounded here; above it both posteriors are so concentrated that the normal approximation's
 * error is below 0.2 % (measured in kpi.test.ts at the boundary), and its cost does not grow with the counts.
 */
export const EXACT_CTR_TERMS = 10_000;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln Γ(x + d) − ln Γ(x), without the cancellation of two large ln Γ values (Stirling's series above 8). */
function logGammaStep(x: number, d: number): number {
  if (x < 8) return logGamma(x + d) - logGamma(x);
  const corr = (y: number) => 1 / (12 * y) - 1 / (360 * y * y * y) + 1 / (1260 * y ** 5);
  return (x - 0.5) * Math.log1p(d / x) + d * (Math.log(x + d) - 1) + corr(x + d) - corr(x);
}

/** The standard normal CDF through erfc (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7); Φ(z) + Φ(−z) = 1. */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const upper = 0.5 * t * Math.exp(poly);
  return z > 0 ? 1 - upper : z < 0 ? upper : 0.5;
}

function checkArm(arm: ArmCounts, name: string): { a: number; b: number } {
  const { clicks, impressions } = arm;
  if (!isMetricValue(clicks) || !isMetricValue(impressions) || clicks < 0 || impressions < 0)
    throw new MetricValueError(`Arm ${name}: clicks and impressions must be non-negative metric values`);
  const c = Math.round(clicks);
  const n = Math.round(impressions);
  if (c > n) throw new MetricValueError(`Arm ${name}: ${c} clicks out of ${n} impressions`);
  return { a: 1 + c, b: 1 + n - c };
}

/**
 * Σ_{i<a2} B(a1+i, b1+b2) / ((b2+i) B(1+i, b2) B(a1, b1)) = P(X2 > X1), X_k ~ Beta(a_k, b_k), a2 a whole number.
 * The first term is B(a1, b1+b2) / B(a1, b1), each next one the previous times (a1+i)(b2+i) / ((a1+b1+b2+i)(i+1)),
 * in logs, so no term needs a difference of huge ln Γ values.
 */
function exactBeats(a1: number, b1: number, a2: number, b2: number): number {
  // Both groupings are the same quantity; the one whose steps are shorter loses less to rounding.
  let log = b2 <= a1 ? logGammaStep(b1, b2) - logGammaStep(a1 + b1, b2) : logGammaStep(b1, a1) - logGammaStep(b1 + b2, a1);
  let sum = 0;
  for (let i = 0; i < a2; i++) {
    sum += Math.exp(log);
    log += Math.log(a1 + i) + Math.log(b2 + i) - Math.log(a1 + b1 + b2 + i) - Math.log(i + 1);
  }
  return Math.min(1, Math.max(0, sum));
}

function normalBeats(a1: number, b1: number, a2: number, b2: number): number {
  const mean = (a: number, b: number) => a / (a + b);
  const variance = (a: number, b: number) => (a * b) / ((a + b) * (a + b) * (a + b + 1));
  return normalCdf((mean(a2, b2) - mean(a1, b1)) / Math.sqrt(variance(a1, b1) + variance(a2, b2)));
}

/**
 * P(CTR_B > CTR_A). Deterministic, no sampling. The sum runs over the arm with fewer clicks (the other
 * way round it is 1 − P(A > B)), so swapping the arms gives exactly the complement's computation.
 */
export function compareCtr(a: ArmCounts, b: ArmCounts): CtrComparison {
  const A = checkArm(a, 'A');
  const B = checkArm(b, 'B');
  // Which arm the sum runs over depends only on the unordered pair, so compare(a, b) and compare(b, a) use one computation.
  const overB = B.a < A.a || (B.a === A.a && B.b <= A.b);
  if (Math.min(A.a, B.a) > EXACT_CTR_TERMS) {
    const p = overB ? normalBeats(A.a, A.b, B.a, B.b) : 1 - normalBeats(B.a, B.b, A.a, A.b);
    return { probabilityBBeatsA: p, method: 'normal' };
  }
  const p = overB ? exactBeats(A.a, A.b, B.a, B.b) : 1 - exactBeats(B.a, B.b, A.a, A.b);
  return { probabilityBBeatsA: Math.min(1, Math.max(0, p)), method: 'exact' };
}

/* ------------------------------------------------------------------------------------------
 * Budget reallocation by channel ROI: each line's share moves part of the way towards the share
 * it would have if shares were weighted by ROI.
 * ---------------------------------------------------------------------------------------- */

export interface ChannelRoiInput {
  channel: string;
  /** The channel's budget line. */
  amount: number;
  /** The channel's sums over the period judged (spend and revenue are read). */
  sums: Readonly<RawSums>;
}

export interface ChannelMove {
  channel: string;
  roi: number | null;
  share: number;
  proposedShare: number;
  amount: number;
  proposedAmount: number;
  /** (proposed − current) / current amount: +0.25 is a line 25 % larger. */
  change: number;
}

export interface Reallocation {
  channels: ChannelMove[];
  /** The largest |change| of any line. */
  largestChange: number;
  /** The channel whose line changes the most, or null without lines. */
  largestChannel: string | null;
  /** Whether the largest change is above the threshold (so the move needs a new approval). */
  needsApproval: boolean;
}

/**
 * Weights each line's share by its channel's ROI, moves `step` of the way there (a weekly move is a
 * step, not a jump), and keeps the total. A channel with no ROI (no spend yet) is weighted by the
 * lines' spend-weighted ROI, so it neither gains nor loses for lack of data; with no ROI anywhere
 * nothing moves.
 */
export function reallocateByRoi(lines: readonly ChannelRoiInput[], options: { step: number; threshold: number }): Reallocation {
  if (!(options.step >= 0 && options.step <= 1)) throw new MetricValueError('The step is a fraction between 0 and 1');
  if (!(options.threshold >= 0 && Number.isFinite(options.threshold))) throw new MetricValueError('The threshold is a fraction ≥ 0');
  for (const l of lines)
    if (!isMetricValue(l.amount) || l.amount < 0) throw new MetricValueError(`${l.channel}: a budget line is a non-negative amount`);
  const total = lines.reduce((s, l) => s + l.amount, 0);
  const rois = lines.map((l) => metricValue('roi', l.sums));
  const overall = metricValue('roi', {
    revenue: lines.reduce((s, l) => s + (l.sums.revenue ?? 0), 0),
    spend: lines.reduce((s, l) => s + (l.sums.spend ?? 0), 0),
  });
  const effective = lines.map((_, i) => Math.max(0, rois[i] ?? overall ?? 0));
  // Weights relative to the best ROI and the total, so no product of a huge line and a huge ROI overflows.
  const best = Math.max(0, ...effective);
  const weights = lines.map((l, i) => (total > 0 && best > 0 ? (l.amount / total) * (effective[i]! / best) : 0));
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const channels = lines.map((l, i): ChannelMove => {
    const share = total > 0 ? l.amount / total : 0;
    const target = weightSum > 0 ? weights[i]! / weightSum : share;
    const proposedShare = share + options.step * (target - share);
    const proposedAmount = proposedShare * total;
    return {
      channel: l.channel,
      roi: rois[i] ?? null,
      share,
      proposedShare,
      amount: l.amount,
      proposedAmount,
      // A line of 0 has no ROI weight, so it stays 0.
      change: l.amount > 0 ? (proposedAmount - l.amount) / l.amount : 0,
    };
  });
  let largest: ChannelMove | undefined;
  for (const c of channels) if (!largest || Math.abs(c.change) > Math.abs(largest.change)) largest = c;
  const largestChange = largest ? Math.abs(largest.change) : 0;
  return {
    channels,
    largestChange,
    largestChannel: largest?.channel ?? null,
    needsApproval: largestChange > options.threshold,
  };
}
