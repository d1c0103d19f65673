import { METRICS, metricIdOf, metricValue, safeRatio, type Better, type MetricId, type RawSums } from '../kpi.ts';
import { isSaneTime } from '../monitoring/campaign.ts';
import { statusOf, type GoalStatus } from './bands.ts';
import { budgetTotalOf, goalRows, REVIEW_KPIS } from './compute.ts';
import { csvCell, csvNumber } from './csv.ts';
import type { ReviewCampaign } from './types.ts';

/**
 * The portfolio's figures for one campaign, from its totals (sums of every stored point): the
 * review's attainment rows (the same goalRows), an overall attainment, ROI and budget use. Pure;
 * the engine reads the totals of every campaign in one grouped query.
 */
export type PortfolioTiming = 'no_phases' | 'not_started' | 'running' | 'between_phases' | 'ended';

export interface PortfolioGoal {
  kpi: string;
  metric: MetricId | null;
  target: number;
  actual: number | null;
  rate: number | null;
  status: GoalStatus | null;
}

export interface PortfolioFigures {
  /** The phase running now (the first, where phases overlap); null between, before or after them. */
  phase: string | null;
  timing: PortfolioTiming;
  goals: PortfolioGoal[];
  /** The mean of the goals' rates that have a value; null when none has. */
  attainment: number | null;
  attainmentStatus: GoalStatus | null;
  roi: number | null;
  spent: number | null;
  /** The budget total, or the sum of its lines when it gives none. */
  planned: number | null;
  /** spent ÷ planned. */
  budgetUse: number | null;
  /** Whether any raw metric was stored: without, every figure is "no value", never zero. */
  hasMetrics: boolean;
}

interface Window {
  name: string;
  from: number;
  to: number;
}

function windows(campaign: Pick<ReviewCampaign, 'phases'>): Window[] {
  const phases = Array.isArray(campaign.phases) ? campaign.phases.slice(0, 50) : [];
  return phases
    .map((p) => ({ name: String(p?.name), from: Date.parse(String(p?.startsAt)), to: Date.parse(String(p?.endsAt)) }))
    .filter((w) => isSaneTime(w.from) && isSaneTime(w.to) && w.from < w.to);
}

/** Where the campaign's calendar stands at `now` (ms). */
export function campaignTiming(campaign: Pick<ReviewCampaign, 'phases'>, now: number): { phase: string | null; timing: PortfolioTiming } {
  const ws = windows(campaign);
  if (!ws.length) return { phase: null, timing: 'no_phases' };
  const current = ws.find((w) => now >= w.from && now < w.to);
  if (current) return { phase: current.name, timing: 'running' };
  if (now < Math.min(...ws.map((w) => w.from))) return { phase: null, timing: 'not_started' };
  if (now >= Math.max(...ws.map((w) => w.to))) return { phase: null, timing: 'ended' };
  return { phase: null, timing: 'between_phases' };
}

function plannedOf(campaign: Pick<ReviewCampaign, 'budget'>): number | null {
  const total = budgetTotalOf(campaign);
  if (total !== null) return total;
  const lines = Array.isArray(campaign.budget?.lines) ? campaign.budget.lines : [];
  const sum = lines.reduce((a, l) => a + (typeof l?.amount === 'number' && Number.isFinite(l.amount) ? l.amount : 0), 0);
  return sum > 0 ? sum : null;
}

export function portfolioFigures(
  campaign: Pick<ReviewCampaign, 'goals' | 'budget' | 'phases'>,
  total: RawSums,
  now: number,
): PortfolioFigures {
  const hasMetrics = Object.keys(total).length > 0;
  const goals: PortfolioGoal[] = goalRows(campaign, hasMetrics ? total : {}, budgetTotalOf(campaign)).map((g) => ({
    kpi: g.kpi,
    metric: g.metric,
    target: g.target,
    actual: g.actual,
    rate: g.rate,
    status: g.status,
  }));
  const rates = goals.map((g) => g.rate).filter((r): r is number => r !== null);
  const attainment = rates.length ? rates.reduce((a, r) => a + r, 0) / rates.length : null;
  const spent = metricValue('spend', total);
  const planned = plannedOf(campaign);
  return {
    ...campaignTiming(campaign, now),
    goals,
    attainment,
    attainmentStatus: statusOf(attainment),
    roi: metricValue('roi', total),
    spent,
    planned,
    budgetUse: spent === null || planned === null ? null : safeRatio(spent, planned),
    hasMetrics,
  };
}

/** What a portfolio CSV row needs beyond the figures. */
export interface PortfolioCsvRow extends Omit<PortfolioFigures, 'goals'> {
  goals: readonly Pick<PortfolioGoal, 'kpi' | 'rate' | 'status'>[];
  name: string;
  department: string | null;
  status: string;
  currency: string | null;
}

export const PORTFOLIO_CSV_HEADER =
  'name,department,status,phase,timing,attainment,attainment_status,roi,spent,planned,budget_use,currency,goals';

const goalCell = (goals: PortfolioCsvRow['goals']) =>
  goals.map((g) => `${g.kpi}=${g.rate === null ? '' : String(g.rate)}${g.status ? ` (${g.status})` : ''}`).join('; ');

/** The portfolio as CSV, one campaign a row; an empty cell is no value, and text a spreadsheet would run is defused. Pure. */
export function portfolioCsv(rows: readonly PortfolioCsvRow[]): string {
  const lines = rows.map((r) =>
    [
      csvCell(r.name),
      csvCell(r.department ?? ''),
      csvCell(r.status),
      csvCell(r.phase ?? ''),
      csvCell(r.timing),
      csvNumber(r.attainment),
      csvCell(r.attainmentStatus ?? ''),
      csvNumber(r.roi),
      csvNumber(r.spent),
      csvNumber(r.planned),
      csvNumber(r.budgetUse),
      csvCell(r.currency ?? ''),
      csvCell(goalCell(r.goals)),
    ].join(','),
  );
  return [PORTFOLIO_CSV_HEADER, ...lines].join('\r\n') + '\r\n';
}

/** A campaign as the comparison reads it: its totals and budget, for budget burn. */
export interface ComparedCampaign {
  id: string;
  name: string;
  total: RawSums;
  budget?: ReviewCampaign['budget'];
}

export interface KpiComparison {
  metric: MetricId;
  better: Better;
  /** This campaign's goal for the KPI, if it has one. */
  target: number | null;
  value: number | null;
  others: { id: string; name: string; value: number | null }[];
  /** The median of the past campaigns' values that have one; null: none has. */
  median: number | null;
  /** 1 is best among this campaign and the past ones with a value; null without a value or a better direction. */
  rank: number | null;
  /** How many campaigns (this one included) the rank is out of. */
  of: number;
}

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * This campaign against past ones, per KPI: its goals' KPIs first, then the review's efficiency KPIs.
 * The rank counts the campaigns strictly better, so ties share a rank. Pure.
 */
export function compareWithPast(
  self: ComparedCampaign & { goals?: ReviewCampaign['goals'] },
  past: readonly ComparedCampaign[],
): KpiComparison[] {
  const goals = Array.isArray(self.goals) ? self.goals : [];
  const ids: MetricId[] = [];
  for (const g of goals) {
    const id = typeof g?.kpi === 'string' ? metricIdOf(g.kpi) : undefined;
    if (id && !ids.includes(id)) ids.push(id);
  }
  for (const k of REVIEW_KPIS) if (!ids.includes(k)) ids.push(k);
  const valueOf = (c: ComparedCampaign, id: MetricId) => metricValue(id, c.total, { budget: budgetTotalOf(c) });
  return ids.map((metric) => {
    const better = METRICS[metric].better;
    const value = valueOf(self, metric);
    const others = past.map((c) => ({ id: c.id, name: c.name, value: valueOf(c, metric) }));
    const known = others.map((o) => o.value).filter((v): v is number => v !== null);
    const beats = (v: number) => (better === 'higher' ? v > value! : v < value!);
    const rank = value === null || better === 'neither' ? null : 1 + known.filter(beats).length;
    const goal = goals.find((g) => typeof g?.kpi === 'string' && metricIdOf(g.kpi) === metric);
    return {
      metric,
      better,
      target: goal && typeof goal.target === 'number' ? goal.target : null,
      value,
      others,
      median: median(known),
      rank,
      of: known.length + (value === null ? 0 : 1),
    };
  });
}
