import { campaignKpiWatch, CAMPAIGN_KPI_WATCH_TEXT, type FlowDocumentInput, type Locale, type RuleInput } from '@flightdeck/workflows';
import { e, inChinese, n, type ChineseText } from './graph.ts';

/**
 * The monitoring half of the lifecycle as ready flows: "Campaign KPI watch" (the source documents'
 * rules with their figures; warnings tell the owner, critical ones escalate) and "Crisis response"
 * (negative mentions +50 % → customer service, then the PR lead, then an executive, within the
 * 4-hour containment window). Both loop back to their monitor after each alert, through a short
 * delay (a loop needs one), so the watch goes on until the campaign ends.
 */

const ownerNotice = {
  owner: true,
  title: '{{ nodes.monitor.output.alert.ruleLabel }}: {{ campaign.name }}',
  text:
    '{{ nodes.monitor.output.alert.ruleLabel }} on {{ nodes.monitor.output.alert.channel | default: "the campaign" }} ' +
    'at {{ nodes.monitor.output.alert.firedAt }}: {{ nodes.monitor.output.alert.value }} against ' +
    '{{ nodes.monitor.output.alert.threshold }}.',
};

const watchRules = campaignKpiWatch().rules as RuleInput[];
const critical = new Set(watchRules.filter((r) => r.severity === 'critical').map((r) => r.id));
/** The rules the sources tie to an optimisation review: a core metric 10 % off for 3 days running. */
const reviewRules = new Set(
  watchRules
    .filter((r) => r.kind === 'sustained' && r.unit === 'days' && r.count === 3 && r.condition.kind === 'deviation')
    .map((r) => r.id),
);
/** Where each rule's alert goes: one table, so the edges and the docs cannot disagree. */
const actionFor = (ruleId: string) =>
  ruleId === 'cpa_over_benchmark'
    ? 'reapprove_spend'
    : reviewRules.has(ruleId)
      ? 'optimisation_review'
      : critical.has(ruleId)
        ? 'escalate'
        : 'tell_owner';

export const kpiWatchGraph: FlowDocumentInput = {
  schemaVersion: 1,
  nodes: [
    n('start', 'trigger.manual', 'Start watching', { sampleInput: {} }, 0, 240),
    n('monitor', 'monitoring.monitor', 'Campaign KPI watch', campaignKpiWatch() as Record<string, unknown>, 260, 240),
    n('tell_owner', 'channel.in_app', 'Tell the owner', ownerNotice, 560, 120),
    n(
      'escalate',
      'monitoring.escalate',
      'Escalate',
      {
        monitor: 'monitor',
        levels: [
          { owner: true, ackWithin: '30m' },
          { people: [{ kind: 'department_head', department: 'campaign' }], ackWithin: '1h' },
        ],
        repeat: 1,
      },
      560,
      360,
    ),
    n(
      'reapprove_spend',
      'approval.request',
      'Re-approve spend',
      {
        // Approval titles take plain {{ path }} substitutions, no Liquid filters; the CPA rule is the campaign's, no channel's.
        title: 'CPA {{ nodes.monitor.output.alert.value }} over its benchmark: re-approve spend for {{ campaign.name }}',
        approvers: [{ kind: 'department_head', department: 'campaign' }],
        mode: 'any',
        due: '1d',
        remindEvery: '4h',
        onTimeout: 'branch',
      },
      560,
      600,
    ),
    n(
      'optimisation_review',
      'human.task',
      'Optimisation review',
      {
        title: 'Optimisation review: {{ campaign.name }} on {{ nodes.monitor.output.alert.channel }}',
        instructions:
          '{{ nodes.monitor.output.alert.ruleLabel }} on {{ nodes.monitor.output.alert.channel }} since ' +
          '{{ nodes.monitor.output.alert.firedAt }} ' +
          '({{ nodes.monitor.output.alert.value }} against {{ nodes.monitor.output.alert.threshold }}). ' +
          'Find the cause, decide what to change on the channel, and note it here.',
        owner: true,
        due: '2d',
        remindEvery: '1d',
      },
      560,
      -20,
    ),
    n('again', 'control.delay', 'Keep watching', { duration: '1s' }, 860, 240),
    n(
      'review',
      'campaign.review',
      'Post-campaign review and lessons',
      { settle: '48h', lessons: { owner: true, waitFor: 'any', due: '7d', remindEvery: '2d' } },
      260,
      840,
    ),
    n('done', 'control.end', 'Campaign over', { status: 'completed' }, 560, 840),
  ],
  edges: [
    e('start', 'next', 'monitor'),
    ...watchRules.map((r) => e('monitor', r.id, actionFor(r.id))),
    e('optimisation_review', 'done', 'again'),
    e('optimisation_review', 'timed_out', 'again'),
    e('reapprove_spend', 'approved', 'again'),
    e('reapprove_spend', 'rejected', 'again'),
    e('reapprove_spend', 'timed_out', 'again'),
    // When the watch ends with the campaign, the review follows once late data has settled.
    e('monitor', 'ended', 'review'),
    e('review', 'next', 'done'),
    e('review', 'timed_out', 'done'),
    e('tell_owner', 'sent', 'again'),
    e('tell_owner', 'failed', 'again'),
    e('escalate', 'acknowledged', 'again'),
    e('escalate', 'resolved', 'again'),
    e('escalate', 'exhausted', 'again'),
    e('again', 'next', 'monitor'),
  ],
};

const alertFacts = '{{ nodes.monitor.output.alert.value }}（阈值 {{ nodes.monitor.output.alert.threshold }}）';

/** The KPI watch's words in Chinese, by node id; its rules' labels come from campaignKpiWatch in the locale. */
export const KPI_WATCH_ZH = {
  labels: {
    start: '开始监控',
    monitor: '活动 KPI 监控',
    tell_owner: '告知负责人',
    escalate: '升级通知',
    reapprove_spend: '重新审批投放',
    optimisation_review: '优化复盘任务',
    again: '继续监控',
    review: '活动复盘与经验教训',
    done: '活动结束',
  },
  config: {
    tell_owner: {
      title: '{{ nodes.monitor.output.alert.ruleLabel }}：{{ campaign.name }}',
      text:
        '{{ nodes.monitor.output.alert.ruleLabel }}，渠道 {{ nodes.monitor.output.alert.channel | default: "整个活动" }}，' +
        `触发于 {{ nodes.monitor.output.alert.firedAt }}：${alertFacts}。`,
    },
    reapprove_spend: { title: '单次转化成本 {{ nodes.monitor.output.alert.value }} 超出基准：请重新审批 {{ campaign.name }} 的投放' },
    optimisation_review: {
      title: '优化复盘：{{ campaign.name }} · {{ nodes.monitor.output.alert.channel }}',
      instructions:
        '{{ nodes.monitor.output.alert.channel }} 自 {{ nodes.monitor.output.alert.firedAt }} 起' +
        `{{ nodes.monitor.output.alert.ruleLabel }}（${alertFacts}）。请查明原因，决定该渠道要做的调整，并记录在此。`,
    },
  },
} satisfies ChineseText;

function kpiWatchGraphIn(lang: Locale): FlowDocumentInput {
  if (lang !== 'zh-CN') return kpiWatchGraph;
  const zh = inChinese(kpiWatchGraph, KPI_WATCH_ZH);
  return { ...zh, nodes: zh.nodes.map((node) => (node.id === 'monitor' ? { ...node, config: campaignKpiWatch({ locale: lang }) } : node)) };
}

export const campaignKpiWatchFlow = {
  id: 'campaign-kpi-watch',
  name: CAMPAIGN_KPI_WATCH_TEXT.en.title,
  description:
    CAMPAIGN_KPI_WATCH_TEXT.en.description +
    ' Warnings reach the owner under the bell; a CTR or CVR 10 % off its baseline for 3 days gives the owner an ' +
    'optimisation review task in their inbox (due in 2 days, a reminder a day); CPA over its benchmark asks the ' +
    'department head to re-approve the spend; ' +
    'critical alerts escalate to the owner, then the department head. When the campaign ends, the review (复盘) is ' +
    'stored 48 h later, once late data is in, and the owner is asked to record the lessons (pre-filled from the missed ' +
    'goals and overspent lines) within a week, with a reminder every two days.',
  zh: {
    name: CAMPAIGN_KPI_WATCH_TEXT['zh-CN'].title,
    description:
      CAMPAIGN_KPI_WATCH_TEXT['zh-CN'].description +
      ' 警告以站内通知告知负责人；点击率或转化率连续 3 天偏离基线 10% 以上时，在负责人的待办中创建优化复盘任务（2 天内完成，每天提醒）；' +
      '单次转化成本超出基准时请部门负责人重新审批投放；严重告警先升级给负责人，再到部门负责人。' +
      '活动结束 48 小时后（迟到数据到齐）保存复盘，并请负责人在一周内记录经验教训（按未达成目标与超支渠道预填），每两天提醒一次。',
  },
  graph: kpiWatchGraph,
  graphFor: kpiWatchGraphIn,
};

const crisisRule: RuleInput = {
  id: 'negative_spike',
  label: 'Negative mentions up 50 %',
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
};

/** The crisis ladder: the owner (customer service lead), the department head (PR lead), then the admins (executive), 4 h in all. */
export const CRISIS_LADDER = {
  levels: [
    { owner: true, ackWithin: '1h' },
    { people: [{ kind: 'department_head', department: 'campaign' }], ackWithin: '1h' },
    { people: [{ kind: 'role', role: 'admin' }], ackWithin: '2h' },
  ],
  repeat: 0,
};

const CRISIS_ZH = {
  labels: { start: '开始监控', monitor: '负面声量', escalate: '危机升级链', again: '继续监控', done: '活动结束' },
  config: { monitor: { rules: [{ ...crisisRule, label: '负面声量上升 50%' }] } },
} satisfies ChineseText;

export const crisisResponse = {
  id: 'crisis-response',
  name: 'Crisis response',
  description:
    'Negative mentions 50 % above the same hours of the past two weeks: level 1 (the campaign owner, as customer service lead) ' +
    'has an hour to acknowledge, then the department head (PR lead), then the admins (executive), aiming at containment ' +
    'within the 4-hour window. Every step is on the alert’s timeline.',
  zh: {
    name: '危机响应',
    description:
      '负面声量比过去两周同时段高 50%：第一级（活动负责人，作为客服负责人）须在 1 小时内确认，否则升级到部门负责人（公关负责人），' +
      '再到管理员（高管），目标是在 4 小时窗口内控制事态。每一步都记录在告警时间线上。',
  },
  graph: {
    schemaVersion: 1,
    nodes: [
      n('start', 'trigger.manual', 'Start watching', { sampleInput: {} }, 0, 200),
      n('monitor', 'monitoring.monitor', 'Negative mentions', { every: '1h', lateness: '7d', rules: [crisisRule] }, 260, 200),
      n('escalate', 'monitoring.escalate', 'Crisis ladder', { monitor: 'monitor', ...CRISIS_LADDER }, 560, 200),
      n('again', 'control.delay', 'Keep watching', { duration: '1s' }, 860, 200),
      n('done', 'control.end', 'Campaign over', { status: 'completed' }, 560, 420),
    ],
    edges: [
      e('start', 'next', 'monitor'),
      e('monitor', 'negative_spike', 'escalate'),
      e('monitor', 'ended', 'done'),
      e('escalate', 'acknowledged', 'again'),
      e('escalate', 'resolved', 'again'),
      e('escalate', 'exhausted', 'again'),
      e('again', 'next', 'monitor'),
    ],
  } satisfies FlowDocumentInput,
  graphFor: (lang: Locale): FlowDocumentInput => (lang === 'zh-CN' ? inChinese(crisisResponse.graph, CRISIS_ZH) : crisisResponse.graph),
};

export const MONITORING_TEMPLATES = [campaignKpiWatchFlow, crisisResponse];
