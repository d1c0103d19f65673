import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { durationSchema, parseDuration } from '../duration.ts';
import { DAY_MS } from '../time.ts';
import { MAX_METRIC_VALUE, METRIC_IDS, RAW_METRICS } from '../kpi.ts';

/**
 * Monitor rules: the config of the monitor node. Plain fields with defaults, so the editor's
 * form shows a usable rule as soon as a kind is picked; every field says what it does.
 */

import { SEVERITIES, type Severity } from './vocabulary.ts';
import { bothLanguages, problemIn, schemaMessage, zodWords, type ProblemKey, type ProblemParams } from '../problem-text.ts';

/** A refinement's issue in both languages: its key and parameters go in `params`, where zodWords finds them. */
function addProblem(ctx: z.RefinementCtx, path: (string | number)[], key: ProblemKey, params: ProblemParams = {}): void {
  ctx.addIssue({ code: 'custom', path, message: problemIn(key, params, 'en'), params: { key, ...params } });
}
export { SEVERITIES, type Severity };

/** Evaluation cadences: divisors of an hour, so buckets line up with the campaign's wall clock. */
export const CADENCES = ['5m', '10m', '15m', '30m', '1h'] as const;

/** A window longer than this many buckets would make one evaluation cost more than it should. */
export const MAX_WINDOW_BUCKETS = 168;
export const MAX_LATENESS_MS = 31 * DAY_MS;

const HANDLE = /^[a-z][a-z0-9_]{0,47}$/;
const finite = lazily(() => z.number().min(-MAX_METRIC_VALUE).max(MAX_METRIC_VALUE));
const channelName = lazily(() => z.string().trim().min(1).max(64));

const common = lazily(() => ({
  id: z
    .string()
    .regex(HANDLE, schemaMessage('rule_handle'))
    .describe("Names the rule; it is also the monitor node's output handle for this rule"),
  label: z.string().trim().max(120).optional().describe('What alerts call the rule (the id when empty)'),
  severity: z.enum(SEVERITIES).default('warning').describe('info, warning or critical: decides the escalation ladder'),
  per: z
    .enum(['channel', 'campaign'])
    .default('channel')
    .describe('channel: each channel is judged on its own and alerts on its own; campaign: the channels are summed first'),
  channels: z.array(channelName()).max(50).default([]).describe('Only these channels (empty: every channel of the campaign)'),
  for: durationSchema().default('0s').describe('Pending period: the condition must hold this long before the rule fires (0s: at once)'),
  keepFiringFor: durationSchema()
    .default('0s')
    .describe('After the condition stops holding, keep firing this long before resolving, so a value near the line does not flap'),
}));

const metric = lazily(() =>
  z.enum(METRIC_IDS).describe('A raw metric (impressions, spend…) or a derived KPI (ctr, cvr, cpa, roi, aov, cpm, budget_burn…)'),
);
const window = lazily(() =>
  durationSchema().optional().describe('Judge the metric summed over this trailing window (e.g. 6h, 1d); empty: one evaluation bucket'),
);

const thresholdFields = lazily(() => ({
  kind: z.literal('threshold'),
  metric: metric(),
  window: window(),
  op: z.enum(['above', 'below']).default('above').describe('Fire when the value is above or below the threshold'),
  value: finite().default(0).describe("The threshold, in the metric's unit (a ratio such as 0.02 for 2 %)"),
}));

const targetFields = lazily(() => ({
  kind: z.literal('target'),
  metric: metric(),
  window: window(),
  against: z
    .enum(['goal', 'plan'])
    .default('goal')
    .describe("goal: the campaign goal's target; plan: the channel's planned rate in the campaign (its ctr, cvr, cpm, aov, new_share)"),
  goal: z.string().trim().max(64).optional().describe("The campaign goal to compare with, by KPI (default: the rule's metric)"),
  share: z
    .number()
    .positive()
    .max(100)
    .default(0.8)
    .describe("The line as a share of the goal's target: 0.8 = 20 % below it, 1.2 = 20 % above it"),
  op: z
    .enum(['worse', 'above', 'below'])
    .default('worse')
    .describe('worse: below the line for a goal to reach, above it for a ceiling (CPA, direction "max"); or always above / below'),
}));

const deviationFields = lazily(() => ({
  kind: z.literal('deviation'),
  metric: metric(),
  window: window(),
  by: z.number().positive().max(100).default(0.15).describe('How far from the baseline, as a share: 0.15 = ±15 %'),
  direction: z.enum(['either', 'up', 'down']).default('either').describe('Which moves count: either way, only rises, or only falls'),
  baseline: z
    .enum(['same_time', 'trailing'])
    .default('same_time')
    .describe("same_time: the same window on previous days (in the campaign's time zone); trailing: the period just before the window"),
  days: z.number().int().min(1).max(28).default(7).describe('same_time: how many previous days make the baseline'),
  stat: z
    .enum(['median', 'mean'])
    .default('median')
    .describe('same_time: median (an anomaly of fewer than half the days does not become the baseline) or mean of those days'),
  trailing: durationSchema()
    .default('1d')
    .describe('trailing: how far back the baseline reaches; also the fallback on day one, before any previous day exists'),
  ignoreBelow: z
    .number()
    .min(0)
    .max(MAX_METRIC_VALUE)
    .default(0)
    .describe(
      'Ignore moves while both the value and its baseline are below this level: a rise from 1 to 2 mentions is +100 % but not news',
    ),
}));

export const conditionSchema = lazily(() =>
  z.discriminatedUnion('kind', [z.strictObject(thresholdFields()), z.strictObject(targetFields()), z.strictObject(deviationFields())]),
);
export type RuleCondition = z.output<ReturnType<typeof conditionSchema>>;

export const ruleSchema = lazily(() =>
  z.discriminatedUnion('kind', [
    z.strictObject({ ...common(), ...thresholdFields() }).describe('Absolute threshold: the metric above or below a fixed value'),
    z
      .strictObject({ ...common(), ...targetFields() })
      .describe('Against the campaign goal: e.g. CTR 20 % below its target, CPA 20 % above its ceiling'),
    z
      .strictObject({ ...common(), ...deviationFields() })
      .describe('Deviation from a dynamic baseline: e.g. ±15 % from the same hour on the previous 7 days'),
    z
      .strictObject({
        ...common(),
        kind: z.literal('sustained'),
        count: z.number().int().min(2).max(31).default(3).describe('How many in a row'),
        unit: z
          .enum(['days', 'evaluations'])
          .default('days')
          .describe(
            "days: whole calendar days in the campaign's time zone, each judged on the day's total; evaluations: consecutive evaluations",
          ),
        condition: conditionSchema().describe('What must hold each time (for days, over the whole day: its window is the day)'),
      })
      .describe('Sustained: a condition that holds N days or N evaluations in a row ("10 % off for 3 days")'),
    z
      .strictObject({
        ...common(),
        kind: z.literal('budget'),
        share: z
          .number()
          .positive()
          .max(10)
          .default(0.8)
          .describe('Fire when spend reaches this share of the budget: 0.8 = 80 %, 1 = exhausted'),
        basis: z
          .enum(['actual', 'projected'])
          .default('actual')
          .describe("actual: spend so far; projected: spend so far extended in a straight line to the campaign's end"),
      })
      .describe('Budget burn: per channel against its budget line, per campaign against the total'),
    z
      .strictObject({
        ...common(),
        kind: z.literal('no_data'),
        after: durationSchema().default('2h').describe('Fire when a channel has reported nothing for this long'),
        metric: z.enum(RAW_METRICS).default('impressions').describe('The metric whose reports count as data'),
        zeroIsData: z
          .boolean()
          .default(false)
          .describe('Off: a report of 0 counts as silence (ad platforms report zeros during an outage); on: any report counts'),
      })
      .describe("No data: a channel silent for a while, judged against the campaign's latest data and, when live, the clock"),
  ]),
);
export type Rule = z.output<ReturnType<typeof ruleSchema>>;
export type RuleInput = z.input<ReturnType<typeof ruleSchema>>;
export type RuleKind = Rule['kind'];

const ms = (text: string) => parseDuration(text) ?? 0;

/**
 * What the rules may read per evaluation and channel, in buckets: windows times baseline days,
 * plus trailing reaches. With the buckets one call walks (MAX_REPLAY_MS) and the channels
 * (MAX_MONITORED_CHANNELS) it bounds a call's cost; the template reads a few hundred.
 */
export const MAX_READS_PER_EVALUATION = 20_000;

/** Buckets one evaluation of the rule reads for one channel (sustained days: per bucket, its days' spans amortised). */
export function readsPerEvaluation(rule: Rule, every: number): number {
  if (rule.kind === 'budget' || rule.kind === 'no_data') return 1;
  const cond = rule.kind === 'sustained' ? rule.condition : rule;
  const daily = rule.kind === 'sustained' && rule.unit === 'days';
  const span = daily ? 1 : cond.window ? ms(cond.window) / every : 1;
  if (cond.kind !== 'deviation') return span;
  const baselineDays = cond.baseline === 'same_time' ? cond.days : 0;
  return span * (1 + baselineDays) + ms(cond.trailing) / every / (daily ? DAY_MS / every : 1);
}

/**
 * Campaign defaults, not Alertmanager's. Grouped by rule: the node has a handle per rule, so a rule that fires
 * is its own news and takes its own path (its channels go together). No wait by default: a batch from an ad
 * platform lands all its channels and rules in one transaction, which the monitor's first look sees together, so
 * the batch is already the group, and the first message goes out within a second of the point (a wait is for
 * rules that fire from separate batches). Buckets are 5 min to 1 h, so a group told again sooner than 15 min says
 * little new; a campaign day is short, so an unanswered incident is told again every 4 h.
 */
export const GROUPING_DEFAULTS = { by: 'rule', wait: '0s', interval: '15m', repeat: '4h' } as const;
const MAX_GROUP_WAIT_MS = DAY_MS;

export const groupingSchema = lazily(() =>
  z
    .strictObject({
      by: z
        .enum(['campaign', 'rule'])
        .default(GROUPING_DEFAULTS.by)
        .describe('campaign: every rule of the campaign in one message; rule: one message per rule (its channels together)'),
      wait: durationSchema()
        .default(GROUPING_DEFAULTS.wait)
        .describe('A new group waits this long so alerts firing together arrive in one message'),
      interval: durationSchema()
        .default(GROUPING_DEFAULTS.interval)
        .describe('A group a new alert joined is told again no sooner than this after its last message'),
      repeat: durationSchema().default(GROUPING_DEFAULTS.repeat).describe('A group still firing and unanswered is told again this often'),
    })
    .superRefine((g, ctx) => {
      if (ms(g.wait) > MAX_GROUP_WAIT_MS) addProblem(ctx, ['wait'], 'duration_at_most', { max: '1d' });
      if (ms(g.interval) < 60_000) addProblem(ctx, ['interval'], 'duration_at_least', { min: '1m' });
      if (ms(g.repeat) < ms(g.interval)) addProblem(ctx, ['repeat'], 'repeat_after_interval');
    }),
);
export type GroupingConfig = z.output<ReturnType<typeof groupingSchema>>;

export const monitorConfigSchema = lazily(() =>
  z
    .strictObject({
      every: z.enum(CADENCES).default('1h').describe("How often rules are judged: one bucket of metrics, on the campaign's wall clock"),
      lateness: durationSchema()
        .default('7d')
        .describe('How far back a late or corrected point may still change alerts; older corrections count from then on'),
      rules: z.array(ruleSchema()).min(1).max(50).describe('One output handle per rule'),
      grouping: groupingSchema()
        .prefault({})
        .describe('How alerts are gathered into one message, and how often one still firing is told again'),
    })
    .superRefine((monitor, ctx) => {
      const every = ms(monitor.every);
      const reads = monitor.rules.reduce((n, rule) => n + readsPerEvaluation(rule, every), 0);
      if (reads > MAX_READS_PER_EVALUATION)
        addProblem(ctx, ['rules'], 'monitor_reads', { reads: Math.ceil(reads), max: MAX_READS_PER_EVALUATION });
      if (ms(monitor.lateness) > MAX_LATENESS_MS) addProblem(ctx, ['lateness'], 'duration_at_most', { max: '31d' });
      const seen = new Set<string>();
      monitor.rules.forEach((rule, i) => {
        if (seen.has(rule.id)) addProblem(ctx, ['rules', i, 'id'], 'rule_twice', { id: rule.id });
        seen.add(rule.id);
        const windowed = rule.kind === 'sustained' ? (rule.unit === 'evaluations' ? rule.condition : undefined) : rule;
        const windowPath = rule.kind === 'sustained' ? ['rules', i, 'condition', 'window'] : ['rules', i, 'window'];
        if (windowed && 'window' in windowed && windowed.window !== undefined) {
          const w = ms(windowed.window);
          if (w < every || w % every !== 0) addProblem(ctx, windowPath, 'whole_buckets', { every: monitor.every });
          else if (w / every > MAX_WINDOW_BUCKETS)
            addProblem(ctx, windowPath, 'buckets_at_most', { max: MAX_WINDOW_BUCKETS, every: monitor.every });
        }
        const deviation =
          rule.kind === 'deviation' ? rule : rule.kind === 'sustained' && rule.condition.kind === 'deviation' ? rule.condition : undefined;
        if (deviation) {
          const base = rule.kind === 'sustained' ? ['rules', i, 'condition'] : ['rules', i];
          const t = ms(deviation.trailing);
          if (t < every || t > 7 * DAY_MS) addProblem(ctx, [...base, 'trailing'], 'trailing_between', { every: monitor.every });
        }
        if (rule.kind === 'no_data' && ms(rule.after) < every)
          addProblem(ctx, ['rules', i, 'after'], 'one_bucket_at_least', { every: monitor.every });
        for (const key of ['for', 'keepFiringFor'] as const) {
          if (ms(rule[key]) > MAX_LATENESS_MS) addProblem(ctx, ['rules', i, key], 'duration_at_most', { max: '31d' });
        }
      });
    }),
);
export type MonitorConfig = z.output<ReturnType<typeof monitorConfigSchema>>;
export type MonitorConfigInput = z.input<ReturnType<typeof monitorConfigSchema>>;

export interface MonitorIssue {
  path: (string | number)[];
  message: string;
  /** The same in Chinese. */
  zh?: string;
}

export type ParsedMonitor = { ok: true; monitor: MonitorConfig } | { ok: false; issues: MonitorIssue[] };

/** Checks a monitor config as a user wrote it; never throws. */
export function parseMonitor(raw: unknown): ParsedMonitor {
  const parsed = monitorConfigSchema().safeParse(raw, { error: bothLanguages });
  if (parsed.success) return { ok: true, monitor: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => {
      const { message, zh } = zodWords(i);
      return { path: i.path.map((k) => (typeof k === 'symbol' ? String(k) : k)), message, ...(zh ? { zh } : {}) };
    }),
  };
}

export const RULE_KIND_TEXT: Readonly<Record<RuleKind, { en: string; 'zh-CN': string }>> = {
  threshold: { en: 'Absolute threshold', 'zh-CN': '绝对阈值' },
  target: { en: 'Against the goal', 'zh-CN': '对比目标' },
  deviation: { en: 'Deviation from baseline', 'zh-CN': '偏离基线' },
  sustained: { en: 'Sustained', 'zh-CN': '持续偏离' },
  budget: { en: 'Budget burn', 'zh-CN': '预算消耗' },
  no_data: { en: 'No data', 'zh-CN': '数据中断' },
};

export const SEVERITY_TEXT: Readonly<Record<Severity, { en: string; 'zh-CN': string }>> = {
  info: { en: 'Info', 'zh-CN': '提示' },
  warning: { en: 'Warning', 'zh-CN': '警告' },
  critical: { en: 'Critical', 'zh-CN': '严重' },
};
