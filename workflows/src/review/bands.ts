/**
 * Status bands for an attainment rate, after Salesforce's media pacing: one scale for every goal
 * because attainment is already "higher is better" (a ceiling such as CPA is target ÷ actual).
 * Lower bounds are inclusive: exactly 0.9 is on track, exactly 1.1 is still on track.
 */
export const STATUS_BANDS = [
  { status: 'under', from: null, to: 0.7, label: { en: 'Under', 'zh-CN': '未达标' } },
  { status: 'at_risk', from: 0.7, to: 0.9, label: { en: 'At risk', 'zh-CN': '有风险' } },
  { status: 'on_track', from: 0.9, to: 1.1, label: { en: 'On track', 'zh-CN': '达标' } },
  { status: 'over', from: 1.1, to: null, label: { en: 'Over', 'zh-CN': '超额' } },
] as const;

export type GoalStatus = (typeof STATUS_BANDS)[number]['status'];

export function statusOf(rate: number | null): GoalStatus | null {
  if (rate === null) return null;
  if (rate < 0.7) return 'under';
  if (rate < 0.9) return 'at_risk';
  if (rate <= 1.1) return 'on_track';
  return 'over';
}

/** The conventions the document states about itself, so a reader never has to guess. */
export const REVIEW_CONVENTIONS = {
  attainment:
    'rate = actual ÷ target; for a lower-is-better goal (direction "max", or a KPI such as CPA or CPM) rate = target ÷ actual, ' +
    'so 1 is on target and more is better everywhere',
  bands: '< 0.7 under, 0.7 to < 0.9 at risk, 0.9 to 1.1 on track, > 1.1 over',
  noValue:
    'null means no value: a ratio whose denominator is zero, or a metric no point reported; never a not-a-number or an infinite value',
  ratios: 'ratios are fractions (0.025 = 2.5 %); ROI = revenue ÷ spend; AOV = revenue ÷ conversions (an order is a conversion)',
  budget:
    "variance = actual − planned (positive is overspend); a line with a phase counts the channel's spend within that phase; " +
    'the contingency reserve is total × contingency ratio, and its use is the spend beyond the sum of the lines',
  missed: 'a goal is missed when its rate is below 1; "by" is how far the actual is from the target, in the goal\'s unit',
} as const;
