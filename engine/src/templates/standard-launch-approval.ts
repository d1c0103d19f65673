import { MONITORING_TEMPLATES } from './monitoring-templates.ts';
import { launch618 } from './launch-618.ts';
import { KPI_DECISION_TEMPLATES } from './kpi-decision-templates.ts';
import type { FlowDocumentInput, Locale } from '@flightdeck/workflows';
import { e, inChinese, n, type ChineseText } from './graph.ts';
import { APPROVAL_CHAIN_ZH, FINANCE_THRESHOLD, launchApprovalChain } from './approval-chain.ts';

/**
 * "Standard launch approval": brand and legal review side by side, then the department head,
 * then the finance director when the budget is above the threshold; launch on approval, tell
 * the owner on rejection or timeout.
 */
/** A template as it ships: English name and description, the Chinese ones, and a valid flow document. */
interface Template {
  id: string;
  name: string;
  description: string;
  zh: { name: string; description: string };
  graph: FlowDocumentInput;
  /** The graph with its labels and messages in a language, for templates that have them in both. */
  graphFor?: (lang: Locale) => FlowDocumentInput;
}

/** A template as a new flow in the creator's language: name, description and, where the template has them, labels and messages. */
export function templateIn(t: Template, lang: Locale) {
  const zh = lang === 'zh-CN';
  return { name: zh ? t.zh.name : t.name, description: zh ? t.zh.description : t.description, graph: t.graphFor?.(lang) ?? t.graph };
}

export const standardLaunchApproval = {
  id: 'standard-launch-approval',
  name: 'Standard launch approval',
  description:
    `Brand and legal/compliance in parallel, then the department head, ` +
    `then the finance director when the budget is above ${FINANCE_THRESHOLD.toLocaleString('en')}. ` +
    `Launch on approval; the owner hears about a rejection or a timeout.`,
  zh: {
    name: '标准上线审批',
    description: `品牌与法务/合规并行审批，再由部门负责人审批；预算超过 ${FINANCE_THRESHOLD.toLocaleString('en')} 时加财务总监审批。通过后上线；被驳回或超时会通知负责人。`,
  },
  graph: {
    schemaVersion: 1,
    nodes: [...launchApprovalChain.nodes, n('approved_end', 'control.end', 'Approved', { status: 'completed' }, 2200, 200)],
    edges: [...launchApprovalChain.edges, e('launch', 'next', 'approved_end')],
  },
  graphFor: (lang: Locale): FlowDocumentInput =>
    lang === 'zh-CN'
      ? inChinese(standardLaunchApproval.graph, { ...APPROVAL_CHAIN_ZH, labels: { ...APPROVAL_CHAIN_ZH.labels, approved_end: '已批准' } })
      : standardLaunchApproval.graph,
} satisfies Template;

const LAUNCH_ON_WARM_UP_ZH = {
  labels: {
    start: '安排上线',
    warm_up: '等待预热阶段',
    launch: '上线并发布通知',
    tell_owner: '邮件通知负责人',
    review: '复盘与经验教训',
    live: '已复盘',
    launch_failed: '上线失败',
  },
  config: {
    launch: {
      title: '🚀 {{ campaign.name }} 已上线',
      text:
        '{{ campaign.name }} 已于 {{ launch.at }} 上线。负责人：{{ campaign.owner.name }}。' +
        '预算 {{ campaign.budget.total }} {{ campaign.budget.currency }}。',
    },
    tell_owner: {
      subject: '{{ campaign.name }} 已上线',
      text:
        '{{ recipient.name }}，您好：\n\n{{ campaign.name }} 已于 {{ nodes.launch.output.launchedAt }} 上线。' +
        '\n预热阶段已开始；运行记录中可查看每条上线通知。\n',
      html:
        '<p>{{ recipient.name }}，您好：</p>' +
        '<p><strong>{{ campaign.name }}</strong> 已于 {{ nodes.launch.output.launchedAt }} 上线。</p>',
    },
  },
} satisfies ChineseText;

/**
 * The launch itself: wait (durably, for weeks if need be) for the warm-up phase, go live,
 * announce on the team's channels, and tell the owner by e-mail and under the bell; after the campaign, the review
 * and the owner's lessons.
 */
export const launchOnWarmUp = {
  id: 'launch-on-warm-up',
  name: 'Launch on the warm-up date',
  description:
    "Waits for the campaign's warm-up phase, sets it live, announces it on the chosen channels " +
    '(add your WeCom/Feishu/DingTalk connections to the launch node) and e-mails the owner. When the campaign has ended ' +
    'and late data has settled (48 h), it stores the review (复盘) and asks the owner to record the lessons within a week.',
  zh: {
    name: '预热日上线',
    description:
      '等待活动进入预热阶段，将其设为进行中，在所选渠道发布上线通知（在上线节点添加企业微信/飞书/钉钉连接），并邮件通知负责人。' +
      '活动结束且迟到数据沉淀 48 小时后保存复盘，并请负责人在一周内记录经验教训。',
  },
  graph: {
    schemaVersion: 1,
    nodes: [
      n('start', 'trigger.manual', 'Schedule the launch', { sampleInput: {} }, 0, 200),
      n('warm_up', 'control.wait_until', 'Wait for warm-up 预热', { phase: 'warm_up' }, 240, 200),
      n(
        'launch',
        'campaign.launch',
        'Go live and announce',
        {
          announce: [],
          title: '🚀 {{ campaign.name }} is live',
          text:
            '{{ campaign.name }} went live at {{ launch.at }}. ' +
            'Owner: {{ campaign.owner.name }}. Budget {{ campaign.budget.total }} {{ campaign.budget.currency }}.',
        },
        480,
        200,
      ),
      n(
        'tell_owner',
        'channel.email',
        'E-mail the owner',
        {
          owner: true,
          subject: '{{ campaign.name }} is live',
          text:
            'Hello {{ recipient.name }},\n\n{{ campaign.name }} went live at {{ nodes.launch.output.launchedAt }}.' +
            '\nThe warm-up phase has started; the run view shows every announcement.\n',
          html:
            '<p>Hello {{ recipient.name }},</p>' +
            '<p><strong>{{ campaign.name }}</strong> went live at {{ nodes.launch.output.launchedAt }}.</p>',
        },
        720,
        200,
      ),
      n(
        'review',
        'campaign.review',
        'Review and lessons 复盘',
        { settle: '48h', lessons: { owner: true, waitFor: 'any', due: '7d', remindEvery: '2d' } },
        960,
        200,
      ),
      n('live', 'control.end', 'Reviewed', { status: 'completed' }, 1200, 200),
      n('launch_failed', 'control.end', 'Launch problem', { status: 'failed', reason: 'The launch or its announcement failed' }, 720, 400),
    ],
    edges: [
      e('start', 'next', 'warm_up'),
      e('warm_up', 'next', 'launch'),
      e('launch', 'next', 'tell_owner'),
      e('launch', 'failed', 'launch_failed'),
      // Live until the campaign ends; then the review, and the owner's lessons (overdue ones end the run all the same).
      e('tell_owner', 'sent', 'review'),
      e('review', 'next', 'live'),
      e('review', 'timed_out', 'live'),
      e('tell_owner', 'failed', 'launch_failed'),
    ],
  },
  graphFor: (lang: Locale): FlowDocumentInput =>
    lang === 'zh-CN' ? inChinese(launchOnWarmUp.graph, LAUNCH_ON_WARM_UP_ZH) : launchOnWarmUp.graph,
} satisfies Template;

export const TEMPLATES: Template[] = [
  standardLaunchApproval,
  launchOnWarmUp,
  launch618,
  ...MONITORING_TEMPLATES,
  ...KPI_DECISION_TEMPLATES,
];
