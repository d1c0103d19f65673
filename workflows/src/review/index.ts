export * from './types.ts';
export * from './bands.ts';
export { buildTimeline, type ReviewTimeline, type TimelineEvent } from './timeline.ts';
export { computeReview, REVIEW_FORMAT, REVIEW_KPIS, type KpiSet, type Review, type ReviewGoalRow, type ReviewOptions } from './compute.ts';
export { reviewCsv, reviewFigures, REVIEW_CSV_HEADER, type ReviewFigure } from './csv.ts';
export { compareReviews, type FigureChange, type ReviewComparison } from './compare.ts';
export { reviewHeadline, type ReviewHeadline } from './headline.ts';
