import type { FlowDocumentInput, Locale } from '@flightdeck/workflows';
import { e, n } from './graph.ts';

/**
 * Two flows that decide from the campaign's KPIs (the `campaign.kpis` node, maths in the KPI module):
 * an A/B creative test judged at 48 h, and a weekly budget reallocation by channel ROI. Their node labels
 * and messages come in the creator's language, so each graph is built per locale from one text table.
 */

/** The placeholder connection the designer replaces with the channel each creative runs on. */
const CHOOSE_CONNECTION = '00000000-0000-4000-8000-000000000000';
export const AB_CONFIDENCE = 0.95;
export const REALLOCATION_THRESHOLD = 0.2;

const AB_TEXT = {
  en: {
    name: 'A/B creative test',
    description:
      'Launches the campaign with two creatives on two channels (A and B), waits 48 h, and compares their CTRs the Bayesian ' +
      `way: the probability that B's CTR is higher (Beta posteriors). The owner hears the winner and the probability; above ` +
      `${AB_CONFIDENCE * 100} % the loser's channel is paused, otherwise the owner decides whether to pause it.`,
    launch: 'Launch both creatives',
    wait: 'Run for 48 h',
    decide: 'Compare the CTRs',
    tell: 'Tell the owner the winner',
    tellTitle: 'A/B test of {{ campaign.name }}: {{ nodes.decide.output.abTest.winnerChannel }} wins',
    tellText:
      '{{ nodes.decide.output.abTest.winnerChannel }} has the higher CTR with probability ' +
      '{{ nodes.decide.output.abTest.probability | times: 100 | round: 1 }} % after 48 h ' +
      '(A {{ nodes.decide.output.abTest.a.channel }}: {{ nodes.decide.output.abTest.a.clicks | round }} clicks of ' +
      '{{ nodes.decide.output.abTest.a.impressions | round }}; B {{ nodes.decide.output.abTest.b.channel }}: ' +
      '{{ nodes.decide.output.abTest.b.clicks | round }} of {{ nodes.decide.output.abTest.b.impressions | round }}).',
    sure: `Winner at ${AB_CONFIDENCE * 100} % or more?`,
    ask: 'Ask the owner: pause the loser?',
    askTitle: 'Pause {{ nodes.decide.output.abTest.loserChannel }} in {{ campaign.name }}? The A/B test is not conclusive',
    which: 'Which creative lost?',
    pauseA: 'Pause creative A',
    pauseB: 'Pause creative B',
    reason: 'Lost the A/B creative test',
    done: 'Decided',
    kept: 'Both kept',
  },
  'zh-CN': {
    name: 'A/B 素材测试',
    description:
      '以两个渠道（A 与 B）上的两套素材上线活动，48 小时后用贝叶斯方法比较两者的点击率：B 的点击率更高的概率（Beta 后验）。' +
      `负责人会收到胜出方与概率；概率达到 ${AB_CONFIDENCE * 100}% 以上时暂停落败方的渠道，否则由负责人决定是否暂停。`,
    launch: '上线两套素材',
    wait: '投放 48 小时',
    decide: '比较点击率',
    tell: '告知负责人胜出方',
    tellTitle: '{{ campaign.name }} A/B 测试：{{ nodes.decide.output.abTest.winnerChannel }} 胜出',
    tellText:
      '48 小时后，{{ nodes.decide.output.abTest.winnerChannel }} 点击率更高的概率为 ' +
      '{{ nodes.decide.output.abTest.probability | times: 100 | round: 1 }}%' +
      '（A {{ nodes.decide.output.abTest.a.channel }}：{{ nodes.decide.output.abTest.a.impressions | round }} 次曝光中 ' +
      '{{ nodes.decide.output.abTest.a.clicks | round }} 次点击；B {{ nodes.decide.output.abTest.b.channel }}：' +
      '{{ nodes.decide.output.abTest.b.impressions | round }} 次曝光中 {{ nodes.decide.output.abTest.b.clicks | round }} 次点击）。',
    sure: `胜出概率不低于 ${AB_CONFIDENCE * 100}%？`,
    ask: '请负责人决定：暂停落败方？',
    askTitle: '{{ campaign.name }} 的 A/B 测试尚无定论：是否暂停 {{ nodes.decide.output.abTest.loserChannel }}？',
    which: '哪套素材落败？',
    pauseA: '暂停素材 A',
    pauseB: '暂停素材 B',
    reason: 'A/B 素材测试落败',
    done: '已决定',
    kept: '两套均保留',
  },
} satisfies Record<Locale, Record<string, string>>;

function abGraph(lang: Locale): FlowDocumentInput {
  const t = AB_TEXT[lang];
  return {
    schemaVersion: 1,
    nodes: [
      n('start', 'trigger.manual', t.launch, { sampleInput: {} }, 0, 200),
      n('launch', 'campaign.launch', t.launch, { announce: [] }, 240, 200),
      n('wait', 'control.delay', t.wait, { duration: '48h' }, 480, 200),
      n('decide', 'campaign.kpis', t.decide, { window: '48h', abTest: { a: 'creative_a', b: 'creative_b' } }, 720, 200),
      n('tell_owner', 'channel.in_app', t.tell, { owner: true, title: t.tellTitle, text: t.tellText }, 960, 200),
      n('sure', 'control.condition', t.sure, { expression: `nodes.decide.output.abTest.probability >= ${AB_CONFIDENCE}` }, 1200, 200),
      n(
        'ask_owner',
        'approval.request',
        t.ask,
        {
          title: t.askTitle,
          approvers: [{ kind: 'expression', expression: '"user:" + campaign.owner.email' }],
          mode: 'any',
          due: '1d',
          remindEvery: '4h',
          onTimeout: 'branch',
        },
        1440,
        400,
      ),
      n('which', 'control.condition', t.which, { expression: 'nodes.decide.output.abTest.winner == "b"' }, 1680, 200),
      n('pause_a', 'campaign.channel_control', t.pauseA, { connection: CHOOSE_CONNECTION, action: 'pause', reason: t.reason }, 1920, 80),
      n('pause_b', 'campaign.channel_control', t.pauseB, { connection: CHOOSE_CONNECTION, action: 'pause', reason: t.reason }, 1920, 320),
      n('done', 'control.end', t.done, { status: 'completed' }, 2160, 200),
      n('kept', 'control.end', t.kept, { status: 'completed' }, 1680, 520),
    ],
    edges: [
      e('start', 'next', 'launch'),
      e('launch', 'next', 'wait'),
      e('wait', 'next', 'decide'),
      e('decide', 'next', 'tell_owner'),
      e('tell_owner', 'sent', 'sure'),
      e('tell_owner', 'failed', 'sure'),
      e('sure', 'true', 'which'),
      e('sure', 'false', 'ask_owner'),
      e('ask_owner', 'approved', 'which'),
      e('ask_owner', 'rejected', 'kept'),
      e('ask_owner', 'timed_out', 'kept'),
      e('which', 'true', 'pause_a'),
      e('which', 'false', 'pause_b'),
      e('pause_a', 'next', 'done'),
      e('pause_a', 'failed', 'done'),
      e('pause_b', 'next', 'done'),
      e('pause_b', 'failed', 'done'),
    ],
  };
}

const pct = REALLOCATION_THRESHOLD * 100;
const BUDGET_TEXT = {
  en: {
    name: 'Weekly budget reallocation by channel ROI',
    description:
      "Every 7 days while the campaign runs, computes each channel's ROI (revenue / spend) over the past week and proposes " +
      'moving budget share half way towards shares weighted by ROI. When a line would change by more than ' +
      `${pct} %, the department head re-approves the move; otherwise the owner is told the proposal.`,
    start: 'Start the weekly review',
    wait: 'Wait a week',
    kpis: 'ROI per channel, proposed shares',
    over: 'Campaign over?',
    big: `A line moves more than ${pct} %?`,
    reapprove: 'Re-approve the budget move',
    reapproveTitle:
      'Budget move for {{ campaign.name }}: {{ nodes.kpis.output.reallocation.largestChannel }} changes by more than ' +
      `${pct} %; re-approve the new shares`,
    tell: 'Tell the owner the proposal',
    tellTitle: 'Weekly ROI review of {{ campaign.name }}: no line moves more than ' + `${pct} %`,
    tellText:
      '{% for c in nodes.kpis.output.reallocation.channels %}{{ c.channel }}: ROI {{ c.roi | round: 2 }}, share ' +
      '{{ c.share | times: 100 | round: 1 }} % → {{ c.proposedShare | times: 100 | round: 1 }} %. {% endfor %}',
    done: 'Campaign over',
  },
  'zh-CN': {
    name: '按渠道 ROI 每周调整预算',
    description:
      '活动期间每 7 天计算一次各渠道过去一周的 ROI（销售额 / 花费），并建议把预算份额向按 ROI 加权的份额移动一半。' +
      `若某条预算变动超过 ${pct}%，由部门负责人重新审批；否则将建议告知负责人。`,
    start: '开始每周复核',
    wait: '等待一周',
    kpis: '各渠道 ROI 与建议份额',
    over: '活动已结束？',
    big: `某条预算变动超过 ${pct}%？`,
    reapprove: '重新审批预算调整',
    reapproveTitle:
      '{{ campaign.name }} 预算调整：{{ nodes.kpis.output.reallocation.largestChannel }} 变动超过 ' + `${pct}%，请重新审批新份额`,
    tell: '将建议告知负责人',
    tellTitle: `{{ campaign.name }} 每周 ROI 复核：各条预算变动均未超过 ${pct}%`,
    tellText:
      '{% for c in nodes.kpis.output.reallocation.channels %}{{ c.channel }}：ROI {{ c.roi | round: 2 }}，份额 ' +
      '{{ c.share | times: 100 | round: 1 }}% → {{ c.proposedShare | times: 100 | round: 1 }}%。{% endfor %}',
    done: '活动结束',
  },
} satisfies Record<Locale, Record<string, string>>;

function budgetGraph(lang: Locale): FlowDocumentInput {
  const t = BUDGET_TEXT[lang];
  return {
    schemaVersion: 1,
    nodes: [
      n('start', 'trigger.manual', t.start, { sampleInput: {} }, 0, 200),
      n('week', 'control.delay', t.wait, { duration: '7d' }, 240, 200),
      n('kpis', 'campaign.kpis', t.kpis, { window: '7d', reallocate: { step: 0.5, reapproveAbove: REALLOCATION_THRESHOLD } }, 480, 200),
      n('big', 'control.condition', t.big, { expression: 'nodes.kpis.output.reallocation.needsApproval' }, 720, 200),
      n(
        'reapprove',
        'approval.request',
        t.reapprove,
        {
          title: t.reapproveTitle,
          approvers: [{ kind: 'department_head', department: 'campaign' }],
          mode: 'any',
          due: '2d',
          remindEvery: '1d',
          onTimeout: 'branch',
        },
        960,
        80,
      ),
      n('tell_owner', 'channel.in_app', t.tell, { owner: true, title: t.tellTitle, text: t.tellText }, 960, 320),
      n('over', 'control.condition', t.over, { expression: 'nodes.kpis.output.campaignOver' }, 1200, 200),
      n('done', 'control.end', t.done, { status: 'completed' }, 1440, 200),
    ],
    edges: [
      e('start', 'next', 'week'),
      e('week', 'next', 'kpis'),
      e('kpis', 'next', 'big'),
      e('big', 'true', 'reapprove'),
      e('big', 'false', 'tell_owner'),
      e('reapprove', 'approved', 'over'),
      e('reapprove', 'rejected', 'over'),
      e('reapprove', 'timed_out', 'over'),
      e('tell_owner', 'sent', 'over'),
      e('tell_owner', 'failed', 'over'),
      e('over', 'true', 'done'),
      e('over', 'false', 'week'),
    ],
  };
}

const localized = (text: Record<Locale, { name: string; description: string }>, graph: (lang: Locale) => FlowDocumentInput) => ({
  name: text.en.name,
  description: text.en.description,
  zh: { name: text['zh-CN'].name, description: text['zh-CN'].description },
  graph: graph('en'),
  graphFor: graph,
});

export const abCreativeTest = { id: 'ab-creative-test', ...localized(AB_TEXT, abGraph) };
export const weeklyBudgetReallocation = { id: 'weekly-budget-reallocation', ...localized(BUDGET_TEXT, budgetGraph) };
export const KPI_DECISION_TEMPLATES = [abCreativeTest, weeklyBudgetReallocation];
