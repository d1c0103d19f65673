import {
  addSums,
  addToSums,
  attainment,
  bucketPoints,
  checkPoint,
  isMetricValue,
  isRawMetric,
  MAX_METRIC_VALUE,
  lowerIsBetter,
  METRICS,
  metricIdOf,
  metricValue,
  MetricValueError,
  safeRatio,
  type MetricId,
  type MetricPoint,
  type RawSums,
} from '../kpi.ts';
import { isTimeZone, localDate } from '../time.ts';
import { REVIEW_CONVENTIONS, STATUS_BANDS, statusOf, type GoalStatus } from './bands.ts';
import { buildTimeline } from './timeline.ts';
import { isSaneTime } from '../monitoring/campaign.ts';
import { REVIEW_LIMITS, ReviewInputError, type ReviewCampaign, type ReviewRecords } from './types.ts';

/** Bumped whenever a field changes meaning or goes away, so stored reviews can be read by the version that wrote them. */
export const REVIEW_FORMAT = 1 as const;

const MAX_PHASES = 50;
const MAX_GOALS = 50;
const MAX_LINES = 200;

/** The efficiency KPIs of the review, in the order the report shows them. */
export const REVIEW_KPIS = ['ctr', 'cvr', 'cpa', 'cpm', 'roi', 'aov', 'new_customer_share'] as const;
const REVIEW_SUMS = ['impressions', 'clicks', 'conversions', 'spend', 'revenue', 'new_customers', 'negative_mentions'] as const;

export interface KpiSet {
  totals: Record<(typeof REVIEW_SUMS)[number], number | null>;
  kpis: Record<(typeof REVIEW_KPIS)[number], number | null>;
}

function kpiSet(sums: Readonly<RawSums>): KpiSet {
  const totals = {} as KpiSet['totals'];
  for (const m of REVIEW_SUMS) totals[m] = metricValue(m, sums);
  const kpis = {} as KpiSet['kpis'];
  for (const k of REVIEW_KPIS) kpis[k] = metricValue(k, sums);
  return { totals, kpis };
}

interface PhaseWindow {
  name: string;
  from: number;
  to: number;
}

/** What the review left out of a campaign it could not read, so the document says so instead of throwing or guessing. */
export type Warn = (field: string, message: string) => void;

function phaseWindows(campaign: ReviewCampaign, warn: Warn): PhaseWindow[] {
  const phases = campaign.phases ?? [];
  if (!Array.isArray(phases)) throw new ReviewInputError('campaign.phases', 'not a list');
  const out: PhaseWindow[] = [];
  phases.slice(0, MAX_PHASES).forEach((p, i) => {
    const w = { name: String(p?.name), from: Date.parse(String(p?.startsAt)), to: Date.parse(String(p?.endsAt)) };
    if (isSaneTime(w.from) && isSaneTime(w.to) && w.from < w.to) out.push(w);
    else warn(`campaign.phases.${i}`, 'no start and later end between 2000 and 2099; left out');
  });
  if (phases.length > MAX_PHASES) warn('campaign.phases', `only the first ${MAX_PHASES} phases are reviewed`);
  return out;
}

/** One pass over the points: sums per channel, per channel × phase, and outside every phase. */
function accumulate(points: readonly MetricPoint[], phases: readonly PhaseWindow[]) {
  const byChannel = new Map<string, RawSums>();
  const byChannelPhase = new Map<string, RawSums[]>();
  const outside: RawSums = {};
  let reported = 0;
  points.forEach((p, i) => {
    let t: number;
    if (typeof p !== 'object' || p === null) throw new ReviewInputError(`points.${i}`, 'not a metric point');
    try {
      t = checkPoint(p, i);
    } catch (err) {
      if (err instanceof MetricValueError) throw new ReviewInputError(`points.${i}`, err.message);
      throw err;
    }
    if (!isRawMetric(p.metric)) return;
    reported++;
    let sums = byChannel.get(p.channel);
    if (!sums) {
      if (byChannel.size >= REVIEW_LIMITS.channels)
        throw new ReviewInputError(`points.${i}.channel`, `more than ${REVIEW_LIMITS.channels} channels`);
      byChannel.set(p.channel, (sums = {}));
      byChannelPhase.set(
        p.channel,
        phases.map(() => ({})),
      );
    }
    addToSums(sums, p.metric, p.value);
    // Phases may overlap (a typo, or a "return" that starts before the burst ends): a point counts in each it falls in.
    let inAny = false;
    phases.forEach((ph, k) => {
      if (t >= ph.from && t < ph.to) {
        addToSums(byChannelPhase.get(p.channel)![k]!, p.metric, p.value);
        inAny = true;
      }
    });
    if (!inAny) addToSums(outside, p.metric, p.value);
  });
  return { byChannel, byChannelPhase, outside, reported };
}

/** Attainment per goal over a campaign's totals: the review's rows, and the portfolio's (one definition for both). */
export function goalRows(campaign: Pick<ReviewCampaign, 'goals'>, total: RawSums, budgetTotal: number | null, warn: Warn = () => {}) {
  const goals = Array.isArray(campaign.goals) ? campaign.goals.slice(0, MAX_GOALS) : [];
  return goals
    .filter((g, i) => {
      const ok = g && typeof g.kpi === 'string' && isMetricValue(g.target);
      if (!ok) warn(`campaign.goals.${i}`, `no KPI name, or a target that is not a number up to ${MAX_METRIC_VALUE}; left out`);
      return ok;
    })
    .map((g) => {
      const metric = metricIdOf(g.kpi) ?? null;
      const actual = metric ? metricValue(metric, total, { budget: budgetTotal }) : null;
      const rate = attainment(g, actual);
      const lower = lowerIsBetter(g);
      return {
        kpi: g.kpi,
        metric,
        label: metric ? METRICS[metric].label : { en: g.kpi, 'zh-CN': g.kpi },
        unit: g.unit ?? (metric ? METRICS[metric].unit : null),
        direction: lower ? ('lower_is_better' as const) : ('higher_is_better' as const),
        target: g.target,
        actual,
        rate,
        status: statusOf(rate),
        met: rate === null ? null : rate >= 1,
        /** How far the actual is from the target in the goal's unit, signed so that positive is good news. */
        difference: actual === null ? null : lower ? g.target - actual : actual - g.target,
      };
    });
}

/** The budget total a review counts: a positive number up to MAX_METRIC_VALUE, or none. */
export function budgetTotalOf(campaign: Pick<ReviewCampaign, 'budget'>): number | null {
  const t = campaign.budget?.total;
  return isMetricValue(t) && t > 0 ? t : null;
}

function budgetSection(
  campaign: ReviewCampaign,
  byChannel: Map<string, RawSums>,
  byChannelPhase: Map<string, RawSums[]>,
  phases: PhaseWindow[],
  warn: Warn,
) {
  const b = campaign.budget ?? null;
  const total = budgetTotalOf(campaign);
  if (b?.total !== undefined && b.total !== 0 && total === null)
    warn('campaign.budget.total', 'not a positive number up to 1e15; left out');
  const rawLines = Array.isArray(b?.lines) ? b.lines.slice(0, MAX_LINES) : [];
  const spendOf = (sums: RawSums | undefined) => metricValue('spend', sums ?? {}) ?? 0;
  const lines = rawLines
    .filter((l, i) => {
      const ok = l && typeof l.channel === 'string' && isMetricValue(l.amount);
      if (!ok) warn(`campaign.budget.lines.${i}`, `no channel, or an amount that is not a number up to ${MAX_METRIC_VALUE}; left out`);
      return ok;
    })
    .map((l) => {
      const phase = typeof l.phase === 'string' && l.phase ? l.phase : null;
      const k = phase === null ? -1 : phases.findIndex((p) => p.name === phase);
      // A line for a phase the campaign does not have: its spend cannot be told apart, so it has no actual.
      const actual = phase === null ? spendOf(byChannel.get(l.channel)) : k < 0 ? null : spendOf(byChannelPhase.get(l.channel)?.[k]);
      const variance = actual === null ? null : actual - l.amount;
      return {
        channel: l.channel,
        phase,
        planned: l.amount,
        actual,
        variance,
        varianceRate: variance === null ? null : safeRatio(variance, l.amount),
        burn: actual === null ? null : safeRatio(actual, l.amount),
        overspent: variance !== null && variance > 0,
        overspend: variance !== null && variance > 0 ? variance : 0,
      };
    });
  const lined = new Set(lines.map((l) => l.channel));
  const unplanned = [...byChannel.entries()]
    .filter(([channel, sums]) => !lined.has(channel) && spendOf(sums) !== 0)
    .map(([channel, sums]) => ({ channel, actual: spendOf(sums) }))
    .sort((a, z) => (a.channel < z.channel ? -1 : 1));
  let spent = 0;
  for (const sums of byChannel.values()) spent += spendOf(sums);
  const planned = lines.reduce((a, l) => a + l.planned, 0);
  const given = b?.contingencyRatio;
  const ratio = typeof given === 'number' && given >= 0 && given <= 1 ? given : 0;
  if (given !== undefined && ratio !== given) warn('campaign.budget.contingencyRatio', 'not a share between 0 and 1; no reserve counted');
  const reserve = total !== null && ratio > 0 ? total * ratio : null;
  const beyondLines = Math.max(0, spent - planned);
  return {
    currency: typeof b?.currency === 'string' ? b.currency : null,
    total,
    planned,
    actual: spent,
    variance: total === null ? null : spent - total,
    burn: total === null ? null : safeRatio(spent, total),
    overspent: total !== null && spent > total,
    lines,
    unplanned,
    contingency:
      reserve === null
        ? null
        : {
            ratio,
            reserve,
            used: lines.length ? Math.min(beyondLines, reserve) : 0,
            usedRate: lines.length ? safeRatio(Math.min(beyondLines, reserve), reserve) : 0,
            /** Spend beyond the lines and the whole reserve. */
            exceededBy: lines.length ? Math.max(0, beyondLines - reserve) : 0,
          },
  };
}

function topBy<T extends { name: string; revenue: number | null }>(rows: T[], total: number | null) {
  const best = rows.filter((r) => r.revenue !== null).sort((a, b) => b.revenue! - a.revenue! || (a.name < b.name ? -1 : 1))[0];
  return best ? { name: best.name, revenue: best.revenue!, share: total === null ? null : safeRatio(best.revenue!, total) } : null;
}

function emptyTotals(): KpiSet {
  return kpiSet({});
}

export interface ReviewOptions {
  /** When the review was made; the engine passes its clock, so the function stays pure. */
  generatedAt?: string;
}

/**
 * The post-campaign review (复盘): attainment, efficiency, budget, highlights and timeline, from the
 * campaign, its metric points and the run's records. Pure and bounded; throws only
 * ReviewInputError, for a zone that is not IANA, a point that is not a metric point, or a list over
 * REVIEW_LIMITS.
 */
export function computeReview(
  campaign: ReviewCampaign,
  points: readonly MetricPoint[],
  records: ReviewRecords = {},
  options: ReviewOptions = {},
) {
  if (!campaign || typeof campaign !== 'object') throw new ReviewInputError('campaign', 'not a campaign');
  if (!isTimeZone(campaign.timezone))
    throw new ReviewInputError('campaign.timezone', `"${String(campaign.timezone)}" is not an IANA time zone`);
  if (!Array.isArray(points)) throw new ReviewInputError('points', 'not a list');
  if (points.length > REVIEW_LIMITS.points) throw new ReviewInputError('points', `at most ${REVIEW_LIMITS.points} (got ${points.length})`);
  const warnings: { field: string; message: string }[] = [];
  const warn: Warn = (field, message) => warnings.length < 100 && warnings.push({ field, message });
  const phases = phaseWindows(campaign, warn);
  const timeline = buildTimeline(campaign, records ?? {});
  const { byChannel, byChannelPhase, outside, reported } = accumulate(points, phases);

  const header = {
    format: REVIEW_FORMAT,
    campaign: {
      id: typeof campaign.id === 'string' ? campaign.id : null,
      name: typeof campaign.name === 'string' ? campaign.name : null,
      timezone: campaign.timezone,
      startsAt: phases.length ? new Date(Math.min(...phases.map((p) => p.from))).toISOString() : null,
      endsAt: phases.length ? new Date(Math.max(...phases.map((p) => p.to))).toISOString() : null,
    },
    generatedAt: typeof options.generatedAt === 'string' ? options.generatedAt : null,
    conventions: { ...REVIEW_CONVENTIONS } as Record<keyof typeof REVIEW_CONVENTIONS, string>,
    bands: STATUS_BANDS.map((b) => ({
      status: b.status as GoalStatus,
      from: b.from as number | null,
      to: b.to as number | null,
      label: { ...b.label } as { en: string; 'zh-CN': string },
    })),
    points: reported,
    /** Parts of the campaign the review could not read and left out, each with its field. */
    warnings,
  };

  if (reported === 0) {
    return {
      ...header,
      noData: true,
      summary: 'No metrics were recorded for this campaign, so there is nothing to measure its goals, efficiency or budget against.',
      attainment: [],
      efficiency: { overall: emptyTotals(), channels: [], phases: [], outsidePhases: null },
      budget: null,
      highlights: { topChannel: null, topPhase: null, missed: [], overspentLines: [], topRules: [] },
      daily: [],
      timeline,
    };
  }

  const total: RawSums = {};
  for (const sums of byChannel.values()) addSums(total, sums);
  const budget = budgetSection(campaign, byChannel, byChannelPhase, phases, warn);
  const attainmentRows = goalRows(campaign, total, budget.total, warn);

  const channelNames = [...byChannel.keys()].sort();
  const channels = channelNames.map((name) => ({ name, ...kpiSet(byChannel.get(name)!) }));
  const phaseRows = phases.map((p, k) => {
    const sums: RawSums = {};
    for (const list of byChannelPhase.values()) addSums(sums, list[k]!);
    return { name: p.name, startsAt: new Date(p.from).toISOString(), endsAt: new Date(p.to).toISOString(), ...kpiSet(sums) };
  });
  const overall = kpiSet(total);
  const revenue = overall.totals.revenue;

  const ruleCounts = new Map<string, { ruleId: string; fired: number; refired: number; channels: Set<string>; severities: Set<string> }>();
  for (const a of timeline.alerts) {
    let r = ruleCounts.get(a.ruleId);
    if (!r) ruleCounts.set(a.ruleId, (r = { ruleId: a.ruleId, fired: 0, refired: 0, channels: new Set(), severities: new Set() }));
    r.fired++;
    r.refired += a.refires;
    if (a.channel) r.channels.add(a.channel);
    r.severities.add(a.severity);
  }
  const topRules = [...ruleCounts.values()]
    .sort((a, b) => b.fired - a.fired || b.refired - a.refired || (a.ruleId < b.ruleId ? -1 : 1))
    .slice(0, 5)
    .map((r) => ({
      ruleId: r.ruleId,
      fired: r.fired,
      refired: r.refired,
      channels: [...r.channels].sort(),
      severities: [...r.severities].sort(),
    }));

  const daily = bucketPoints(points, { every: 'day', timeZone: campaign.timezone }).map((b) => ({
    date: localDate(Date.parse(b.start), campaign.timezone),
    spend: metricValue('spend', b.sums),
    revenue: metricValue('revenue', b.sums),
    roi: metricValue('roi', b.sums),
  }));

  return {
    ...header,
    noData: false,
    summary: null,
    attainment: attainmentRows,
    efficiency: {
      overall,
      channels,
      phases: phaseRows,
      outsidePhases: Object.keys(outside).length ? kpiSet(outside) : null,
    },
    budget,
    highlights: {
      topChannel: topBy(
        channels.map((c) => ({ name: c.name, revenue: c.totals.revenue })),
        revenue,
      ),
      topPhase: topBy(
        phaseRows.map((p) => ({ name: p.name, revenue: p.totals.revenue })),
        revenue,
      ),
      missed: attainmentRows
        .filter((g) => g.met === false)
        .map((g) => ({ kpi: g.kpi, metric: g.metric, target: g.target, actual: g.actual!, by: Math.abs(g.difference!), rate: g.rate! })),
      overspentLines: budget.lines
        .filter((l) => l.overspent)
        .map((l) => ({ channel: l.channel, phase: l.phase, planned: l.planned, actual: l.actual!, overspend: l.overspend })),
      topRules,
    },
    daily,
    timeline,
  };
}

export type Review = ReturnType<typeof computeReview>;
export type ReviewGoalRow = Review['attainment'][number];
export type { MetricId };
