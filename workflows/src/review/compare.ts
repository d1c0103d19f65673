import type { Review } from './compute.ts';
import { reviewFigures, type ReviewFigure } from './csv.ts';

export interface FigureChange {
  section: string;
  scope: string;
  metric: string;
  /** null where the figure is not in that version (a channel that only reported later, say). */
  from: Pick<ReviewFigure, 'actual' | 'target' | 'rate' | 'status'> | null;
  to: Pick<ReviewFigure, 'actual' | 'target' | 'rate' | 'status'> | null;
  /** to.actual − from.actual where both are numbers. */
  delta: number | null;
}

export interface ReviewComparison {
  /** Figures compared (the union of both versions' rows). */
  figures: number;
  changed: FigureChange[];
}

const key = (f: ReviewFigure) => `${f.section}\u0000${f.scope}\u0000${f.metric}`;
const values = ({ actual, target, rate, status }: ReviewFigure) => ({ actual, target, rate, status });
const same = (a: ReviewFigure, b: ReviewFigure) =>
  a.actual === b.actual && a.target === b.target && a.rate === b.rate && a.status === b.status;

/**
 * Which figures differ between two reviews, over the same rows as the CSV (one logic for both): a
 * figure that changed, appeared or disappeared, in the order of the later version's rows. Pure.
 */
export function compareReviews(from: Review, to: Review): ReviewComparison {
  const before = new Map(reviewFigures(from).map((f) => [key(f), f]));
  const after = reviewFigures(to);
  const changed: FigureChange[] = [];
  const seen = new Set<string>();
  for (const f of after) {
    const k = key(f);
    seen.add(k);
    const old = before.get(k);
    if (old && same(old, f)) continue;
    const delta = old && old.actual !== null && f.actual !== null ? f.actual - old.actual : null;
    changed.push({ section: f.section, scope: f.scope, metric: f.metric, from: old ? values(old) : null, to: values(f), delta });
  }
  for (const [k, f] of before)
    if (!seen.has(k)) changed.push({ section: f.section, scope: f.scope, metric: f.metric, from: values(f), to: null, delta: null });
  return { figures: new Set([...before.keys(), ...seen]).size, changed };
}
