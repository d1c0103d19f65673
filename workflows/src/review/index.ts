export * from './types.ts';
export * from './bands.ts';
export { buildTimeline, type ReviewTimeline, type TimelineEvent } from './timeline.ts';
export {
  budgetTotalOf,
  computeReview,
  goalRows,
  REVIEW_FORMAT,
  REVIEW_KPIS,
  type KpiSet,
  type Review,
  type ReviewGoalRow,
  type ReviewOptions,
} from './compute.ts';
export { csvCell, csvNumber, reviewCsv, reviewFigures, REVIEW_CSV_HEADER, type ReviewFigure } from './csv.ts';
export { compareReviews, type FigureChange, type ReviewComparison } from './compare.ts';
export { reviewHeadline, type ReviewHeadline } from './headline.ts';
export { lessonHintsFromHeadline, type ReviewLessonHints } from './lesson-hints.ts';
export {
  campaignTiming,
  compareWithPast,
  median,
  portfolioCsv,
  portfolioFigures,
  PORTFOLIO_CSV_HEADER,
  type ComparedCampaign,
  type KpiComparison,
  type PortfolioCsvRow,
  type PortfolioFigures,
  type PortfolioGoal,
  type PortfolioTiming,
} from './portfolio.ts';
