import { parseDuration } from '../duration.ts';
import { METRICS, type MetricId, type MetricUnit } from '../kpi.ts';
import type { Locale } from '../nodes/define.ts';
import { DAY_MS, HOUR_MS } from '../time.ts';
import type { Rule, RuleCondition } from './schema.ts';

/**
 * A rule in plain words, for the editor's rule list, alert texts and the preview: "CTR on xhs_kol
 * is below 80 % of target for 3 days". One sentence per rule, built from the parsed rule only,
 * so what it says is what the evaluator does.
 */

type Words = (typeof WORDS)[Locale];

const WORDS = {
  en: {
    each: 'on each channel',
    campaign: 'across the campaign',
    on: (cs: string) => `on ${cs}`,
    together: (cs: string) => `on ${cs} together`,
    list: ', ',
    over: (w: string) => ` over ${w}`,
    above: 'is above',
    below: 'is below',
    worse: 'is worse than',
    ofGoal: (share: string, goal: string | null) => `${share} of ${goal ? `the ${goal} target` : 'target'}`,
    ofPlan: (share: string) => `${share} of plan`,
    moves: { either: 'moves more than ±', up: 'rises more than ', down: 'falls more than ' },
    sameTime: (stat: string, days: number) => `${stat} of the same time on the previous ${days} ${days === 1 ? 'day' : 'days'}`,
    median: 'the median',
    mean: 'the mean',
    trailing: (d: string) => `the preceding ${d}`,
    fromBaseline: (move: string, base: string) => `${move} from ${base}`,
    ignoreBelow: (n: string) => ` (while both are below ${n}, no alert)`,
    forDays: (n: number) => ` for ${n} days`,
    forEvaluations: (n: number) => ` for ${n} evaluations in a row`,
    spend: (scope: string) => `Spend ${scope}`,
    reaches: 'reaches',
    projected: 'is projected to reach',
    ofLine: (share: string) => `${share} of its budget line`,
    ofTotal: (share: string) => `${share} of the campaign budget`,
    ofLines: (share: string) => `${share} of their budget lines`,
    silent: (scope: string, metric: string, after: string) => `${scope} reports no ${metric.toLowerCase()} for ${after}`,
    zeroSilent: ' (a report of 0 counts as silence)',
    eachChannel: 'A channel',
    campaignScope: 'The campaign',
    pending: (d: string) => `, for ${d} before it fires`,
    keep: (d: string) => `; keeps firing ${d} after it clears`,
    units: { day: ['day', 'days'], hour: ['hour', 'hours'], minute: ['minute', 'minutes'], second: ['second', 'seconds'] },
    join: (parts: string[]) => parts.join(' '),
  },
  'zh-CN': {
    each: '各渠道',
    campaign: '整个活动',
    on: (cs: string) => cs,
    together: (cs: string) => `${cs} 合计`,
    list: '、',
    over: (w: string) => `（${w}内）`,
    above: '高于',
    below: '低于',
    worse: '差于',
    ofGoal: (share: string, goal: string | null) => `${goal ? `${goal}目标` : '目标'}的 ${share}`,
    ofPlan: (share: string) => `计划值的 ${share}`,
    moves: { either: '偏离超过 ±', up: '上升超过 ', down: '下降超过 ' },
    sameTime: (stat: string, days: number) => `前 ${days} 天同一时段的${stat}`,
    median: '中位数',
    mean: '平均值',
    trailing: (d: string) => `之前 ${d}`,
    fromBaseline: (move: string, base: string) => `相对${base}${move}`,
    ignoreBelow: (n: string) => `（两者都低于 ${n} 时不告警）`,
    forDays: (n: number) => `，连续 ${n} 天`,
    forEvaluations: (n: number) => `，连续 ${n} 次评估`,
    spend: (scope: string) => `${scope}的花费`,
    reaches: '达到',
    projected: '预计达到',
    ofLine: (share: string) => `其渠道预算的 ${share}`,
    ofTotal: (share: string) => `活动总预算的 ${share}`,
    ofLines: (share: string) => `其渠道预算合计的 ${share}`,
    silent: (scope: string, metric: string, after: string) => `${scope} ${after}没有${metric}数据`,
    zeroSilent: '（上报 0 也算无数据）',
    eachChannel: '任一渠道',
    campaignScope: '整个活动',
    pending: (d: string) => `，持续 ${d}后告警`,
    keep: (d: string) => `；恢复后仍保持告警 ${d}`,
    units: { day: ['天', '天'], hour: ['小时', '小时'], minute: ['分钟', '分钟'], second: ['秒', '秒'] },
    join: (parts: string[]) => parts.join(''),
  },
} as const;

/** "CTR" of "CTR (click-through rate)", "点击率" of "点击率 (CTR)": the name people use. */
function metricName(id: MetricId, locale: Locale): string {
  return METRICS[id].label[locale].split(' (')[0]!;
}

function number(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

function percent(share: number, locale: Locale): string {
  const p = number(Math.round(share * 100 * 1e4) / 1e4);
  return locale === 'en' ? `${p} %` : `${p}%`;
}

function valueText(v: number, unit: MetricUnit, locale: Locale): string {
  return unit === 'ratio' ? percent(v, locale) : number(v);
}

/** "3 days", "6 hours", "90 minutes"; "3 天". */
export function durationText(text: string, locale: Locale): string {
  const ms = parseDuration(text) ?? 0;
  const w = WORDS[locale];
  const [size, names] =
    ms % DAY_MS === 0 && ms > 0
      ? [DAY_MS, w.units.day]
      : ms % HOUR_MS === 0 && ms > 0
        ? [HOUR_MS, w.units.hour]
        : ms % 60_000 === 0 && ms > 0
          ? [60_000, w.units.minute]
          : [1000, w.units.second];
  const n = ms / size;
  return locale === 'en' ? `${number(n)} ${n === 1 ? names[0] : names[1]}` : `${number(n)} ${names[1]}`;
}

function scopeText(rule: Rule, w: Words): string {
  if (!rule.channels.length) return rule.per === 'campaign' ? w.campaign : w.each;
  const list = rule.channels.join(w.list);
  return rule.per === 'campaign' && rule.channels.length > 1 ? w.together(list) : w.on(list);
}

/** The subject of a condition: "CTR on xhs_kol over 6 hours" / "xhs_kol 的点击率（6 小时内）". */
function subject(cond: RuleCondition, scope: string, locale: Locale, w: Words): string {
  const name = metricName(cond.metric, locale);
  const over = cond.window ? w.over(durationText(cond.window, locale)) : '';
  return locale === 'en' ? `${name} ${scope}${over}` : `${scope}的${name}${over}`;
}

function conditionText(cond: RuleCondition, scope: string, locale: Locale): string {
  const w = WORDS[locale];
  const unit = METRICS[cond.metric].unit;
  const subj = subject(cond, scope, locale, w);
  switch (cond.kind) {
    case 'threshold':
      return w.join([subj, cond.op === 'above' ? w.above : w.below, valueText(cond.value, unit, locale)]);
    case 'target': {
      // "worse" is below for a goal to reach, above for a ceiling; the goal's direction decides, so a KPI that is neither says "worse".
      const better = METRICS[cond.metric].better;
      const op = cond.op !== 'worse' ? w[cond.op] : better === 'lower' ? w.above : better === 'higher' ? w.below : w.worse;
      const goalName = cond.goal && cond.goal !== cond.metric ? cond.goal : null;
      const line = cond.against === 'plan' ? w.ofPlan(percent(cond.share, locale)) : w.ofGoal(percent(cond.share, locale), goalName);
      return w.join([subj, op, line]);
    }
    case 'deviation': {
      const base =
        cond.baseline === 'same_time'
          ? w.sameTime(cond.stat === 'median' ? w.median : w.mean, cond.days)
          : w.trailing(durationText(cond.trailing, locale));
      const move = `${w.moves[cond.direction]}${percent(cond.by, locale)}`;
      const ignore = cond.ignoreBelow > 0 ? w.ignoreBelow(valueText(cond.ignoreBelow, unit, locale)) : '';
      return `${w.join([subj, w.fromBaseline(move, base)])}${ignore}`;
    }
  }
}

function ruleBody(rule: Rule, locale: Locale): string {
  const w = WORDS[locale];
  const scope = scopeText(rule, w);
  switch (rule.kind) {
    case 'threshold':
    case 'target':
    case 'deviation':
      return conditionText(rule, scope, locale);
    case 'sustained':
      return conditionText(rule.condition, scope, locale) + (rule.unit === 'days' ? w.forDays(rule.count) : w.forEvaluations(rule.count));
    case 'budget': {
      const who = rule.channels.length ? w.on(rule.channels.join(w.list)) : rule.per === 'campaign' ? w.campaign : w.each;
      const of =
        rule.per === 'channel'
          ? w.ofLine(percent(rule.share, locale))
          : rule.channels.length
            ? w.ofLines(percent(rule.share, locale))
            : w.ofTotal(percent(rule.share, locale));
      return w.join([w.spend(who), rule.basis === 'projected' ? w.projected : w.reaches, of]);
    }
    case 'no_data': {
      const who = rule.channels.length ? rule.channels.join(w.list) : rule.per === 'campaign' ? w.campaignScope : w.eachChannel;
      return w.silent(who, metricName(rule.metric, locale), durationText(rule.after, locale)) + (rule.zeroIsData ? '' : w.zeroSilent);
    }
  }
}

/** The rule in one sentence, in the editor's locale. */
export function describeRule(rule: Rule, locale: Locale): string {
  const w = WORDS[locale];
  let text = ruleBody(rule, locale);
  if ((parseDuration(rule.for) ?? 0) > 0) text += w.pending(durationText(rule.for, locale));
  if ((parseDuration(rule.keepFiringFor) ?? 0) > 0) text += w.keep(durationText(rule.keepFiringFor, locale));
  return text;
}
