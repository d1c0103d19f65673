import { goalFor, type Goal, type MetricId } from '../kpi.ts';
import type { Locale } from '../nodes/define.ts';
import type { MonitorConfigInput, RuleInput } from './schema.ts';

/**
 * "Campaign KPI watch": the source documents' alert rules with their figures (DESIGN.md, "Alert
 * rules the sources name"). Choices the sources leave open, and why:
 * - Baselines are the median of the same hour on the previous 14 days: an anomaly shorter than a
 *   week never becomes the norm, so the hour a channel recovers is not news.
 * - Hourly CVR is noisy on small channels (a couple of SMS orders an hour): it is judged over 6 hours.
 * - Negative mentions are small counts: a rise counts from 10 an hour, and the alert stays up
 *   two hours after the last bad hour, so a crisis is one alert, not five.
 * - A re-review of spend is a heavy step: CPA must stay 20 % over its ceiling for 6 hours.
 * - No data: two hours of silence (or of zero impressions, which is how ad platforms report an outage).
 */

interface TemplateRule {
  rule: RuleInput;
  label: Record<Locale, string>;
  /** The campaign goal the rule compares with: without it the rule has nothing to judge. */
  needsGoal?: MetricId;
}

const deviation = (metric: 'ctr' | 'cvr', window?: string): RuleInput => ({
  id: `${metric}_deviation`,
  kind: 'deviation',
  metric,
  ...(window ? { window } : {}),
  per: 'channel',
  by: 0.15,
  direction: 'either',
  baseline: 'same_time',
  days: 14,
  stat: 'median',
  severity: 'info',
});

const sustainedOff = (metric: 'ctr' | 'cvr'): RuleInput => ({
  id: `${metric}_off_3_days`,
  kind: 'sustained',
  per: 'channel',
  count: 3,
  unit: 'days',
  condition: { kind: 'deviation', metric, by: 0.1, direction: 'either', baseline: 'same_time', days: 14, stat: 'median' },
  severity: 'warning',
});

const belowTarget = (metric: 'ctr' | 'cvr'): RuleInput => ({
  id: `${metric}_below_target`,
  kind: 'target',
  metric,
  per: 'channel',
  share: 0.8,
  op: 'worse',
  severity: 'warning',
});

const RULES: readonly TemplateRule[] = [
  {
    rule: deviation('ctr'),
    label: {
      en: 'CTR moved more than ±15 % from its baseline: tell the ops owner',
      'zh-CN': '点击率偏离动态基线超过 ±15%：通知运营负责人',
    },
  },
  {
    rule: deviation('cvr', '6h'),
    label: {
      en: 'CVR moved more than ±15 % from its baseline: tell the ops owner',
      'zh-CN': '转化率偏离动态基线超过 ±15%：通知运营负责人',
    },
  },
  { rule: belowTarget('ctr'), needsGoal: 'ctr', label: { en: "A channel's CTR is 20 % below target", 'zh-CN': '渠道点击率低于目标 20%' } },
  { rule: belowTarget('cvr'), needsGoal: 'cvr', label: { en: "A channel's CVR is 20 % below target", 'zh-CN': '渠道转化率低于目标 20%' } },
  {
    rule: sustainedOff('ctr'),
    label: {
      en: 'CTR 10 % off its baseline for 3 days running: open an optimisation review',
      'zh-CN': '点击率连续 3 天偏离基线 10% 以上：发起优化复盘',
    },
  },
  {
    rule: sustainedOff('cvr'),
    label: {
      en: 'CVR 10 % off its baseline for 3 days running: open an optimisation review',
      'zh-CN': '转化率连续 3 天偏离基线 10% 以上：发起优化复盘',
    },
  },
  {
    rule: {
      id: 'cpa_over_benchmark',
      kind: 'target',
      metric: 'cpa',
      per: 'campaign',
      share: 1.2,
      op: 'worse',
      for: '6h',
      severity: 'warning',
    },
    needsGoal: 'cpa',
    label: { en: 'CPA more than 20 % above its benchmark: re-review the spend', 'zh-CN': '单次转化成本高于基准 20% 以上：重新审批投放' },
  },
  {
    rule: {
      id: 'negative_spike',
      kind: 'deviation',
      metric: 'negative_mentions',
      per: 'campaign',
      by: 0.5,
      direction: 'up',
      baseline: 'same_time',
      days: 14,
      ignoreBelow: 10,
      keepFiringFor: '2h',
      severity: 'critical',
    },
    label: { en: 'Negative mentions up 50 %: crisis response', 'zh-CN': '负面声量上升 50%：启动危机响应' },
  },
  {
    rule: {
      id: 'channel_below_plan',
      kind: 'sustained',
      per: 'channel',
      count: 14,
      unit: 'days',
      condition: { kind: 'target', metric: 'ctr', against: 'plan', share: 0.9, op: 'below' },
      severity: 'warning',
    },
    label: {
      en: 'A channel below its planned CTR two weeks running: pause it and find the cause',
      'zh-CN': '渠道连续两周低于计划点击率：暂停并做根因分析',
    },
  },
  {
    rule: { id: 'budget_line_warning', kind: 'budget', per: 'channel', share: 0.8, basis: 'actual', severity: 'warning' },
    label: { en: "Spend reached 80 % of the channel's budget line", 'zh-CN': '花费达到渠道预算的 80%' },
  },
  {
    rule: { id: 'budget_line_exhausted', kind: 'budget', per: 'channel', share: 1, basis: 'actual', severity: 'critical' },
    label: { en: "The channel's budget line is exhausted", 'zh-CN': '渠道预算已用完' },
  },
  {
    rule: { id: 'no_data', kind: 'no_data', per: 'channel', after: '2h', metric: 'impressions', zeroIsData: false, severity: 'warning' },
    label: { en: 'A channel has sent no data for 2 hours', 'zh-CN': '渠道 2 小时无数据' },
  },
];

/**
 * The template's monitor config, labelled in one locale. Given the campaign's goals, the rules
 * that compare with a goal the campaign does not set are left out (they would have nothing to judge).
 */
export function campaignKpiWatch(options: { locale?: Locale; goals?: readonly Goal[] } = {}): MonitorConfigInput {
  const locale = options.locale ?? 'en';
  const rules = RULES.filter((r) => !r.needsGoal || !options.goals || goalFor(options.goals, r.needsGoal) !== undefined);
  return { every: '1h', lateness: '7d', rules: rules.map((r) => ({ ...r.rule, label: r.label[locale] })) };
}

export const CAMPAIGN_KPI_WATCH_TEXT: Record<Locale, { title: string; description: string }> = {
  en: { title: 'Campaign KPI watch', description: "The source documents' alert rules with their figures, ready to attach to a campaign." },
  'zh-CN': { title: '活动 KPI 监控', description: '来源文档中的告警规则及其阈值，可直接挂到活动上。' },
};
