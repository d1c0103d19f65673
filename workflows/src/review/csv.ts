import type { Review } from './compute.ts';
import { REVIEW_KPIS } from './compute.ts';

export const REVIEW_CSV_HEADER = 'section,scope,metric,actual,target,rate,status';

/**
 * One text cell. Quoted when it holds a comma, quote or line break; and a cell a spreadsheet would
 * run as a formula (=, +, -, @, tab, CR first) is prefixed with an apostrophe, since goal names are typed by people.
 */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
/** Numbers as JavaScript prints them (full precision, no thousands separators); no value is an empty cell. */
export const csvNumber = (n: number | null | undefined) => (typeof n === 'number' && Number.isFinite(n) ? String(n) : '');

/** One figure of a review: the unit of its CSV and of a comparison between two versions. */
export interface ReviewFigure {
  section: string;
  scope: string;
  metric: string;
  actual: number | null;
  target: number | null;
  rate: number | null;
  status: string;
}

/** The review's figures, one per row, the same rows whatever the campaign. Pure. */
export function reviewFigures(review: Review): ReviewFigure[] {
  const rows: ReviewFigure[] = [];
  const row = (
    section: string,
    scope: string,
    metric: string,
    actual: number | null,
    target: number | null = null,
    rate: number | null = null,
    status = '',
  ) => rows.push({ section, scope, metric, actual, target, rate, status });

  if (review.noData) row('summary', 'campaign', 'no_data', null, null, null, 'no metrics recorded');
  for (const g of review.attainment) row('attainment', 'campaign', g.kpi, g.actual, g.target, g.rate, g.status ?? '');
  const kpiRows = (section: string, scope: string, set: Review['efficiency']['overall']) => {
    for (const [m, v] of Object.entries(set.totals)) row(section, scope, m, v);
    for (const k of REVIEW_KPIS) row(section, scope, k, set.kpis[k]);
  };
  kpiRows('overall', 'campaign', review.efficiency.overall);
  for (const c of review.efficiency.channels) kpiRows('channel', c.name, c);
  for (const p of review.efficiency.phases) kpiRows('phase', p.name, p);
  if (review.efficiency.outsidePhases) kpiRows('phase', '(outside phases)', review.efficiency.outsidePhases);
  if (review.budget) {
    const b = review.budget;
    row('budget', 'total', 'spend', b.actual, b.total, b.burn, b.overspent ? 'overspent' : 'within');
    for (const l of b.lines)
      row(
        'budget',
        l.phase ? `${l.channel}/${l.phase}` : l.channel,
        'spend',
        l.actual,
        l.planned,
        l.burn,
        l.overspent ? 'overspent' : 'within',
      );
    for (const u of b.unplanned) row('budget', u.channel, 'spend', u.actual, null, null, 'unplanned');
    if (b.contingency) row('budget', 'contingency', 'reserve_used', b.contingency.used, b.contingency.reserve, b.contingency.usedRate);
  }
  for (const d of review.daily) {
    row('daily', d.date, 'spend', d.spend);
    row('daily', d.date, 'revenue', d.revenue);
  }
  return rows;
}

/** The review's figures as CSV: "section,scope,metric,actual,target,rate,status", one figure a row. Pure. */
export function reviewCsv(review: Review): string {
  const lines = reviewFigures(review).map((f) =>
    [
      csvCell(f.section),
      csvCell(f.scope),
      csvCell(f.metric),
      csvNumber(f.actual),
      csvNumber(f.target),
      csvNumber(f.rate),
      csvCell(f.status),
    ].join(','),
  );
  return [REVIEW_CSV_HEADER, ...lines].join('\r\n') + '\r\n';
}
