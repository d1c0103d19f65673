import type { Review } from './compute.ts';

/** The few figures a flow branches on after a review: each goal's attainment, the spend against the budget, what was missed. */
export interface ReviewHeadline {
  noData: boolean;
  points: number;
  goals: { kpi: string; target: number; actual: number | null; rate: number | null; status: string | null; met: boolean | null }[];
  revenue: number | null;
  spend: number | null;
  roi: number | null;
  budget: { total: number | null; actual: number; overspent: boolean; currency: string | null } | null;
  missed: string[];
  overspentLines: string[];
}

/** Taken from the stored document, so the node's output and the report never disagree. */
export function reviewHeadline(review: Review): ReviewHeadline {
  const totals = review.efficiency.overall.totals;
  const kpis = review.efficiency.overall.kpis;
  return {
    noData: review.noData,
    points: review.points,
    goals: review.attainment.map((g) => ({
      kpi: g.kpi,
      target: g.target,
      actual: g.actual,
      rate: g.rate,
      status: g.status,
      met: g.met,
    })),
    revenue: totals.revenue ?? null,
    spend: totals.spend ?? null,
    roi: kpis.roi ?? null,
    budget: review.budget
      ? { total: review.budget.total, actual: review.budget.actual, overspent: review.budget.overspent, currency: review.budget.currency }
      : null,
    missed: review.highlights.missed.map((m) => m.kpi),
    overspentLines: review.highlights.overspentLines.map((l) => (l.phase ? `${l.channel}/${l.phase}` : l.channel)),
  };
}
