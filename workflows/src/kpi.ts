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
