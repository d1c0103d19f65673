import { MONITORING_TEMPLATES } from './monitoring-templates.ts';
import { KPI_DECISION_TEMPLATES } from './kpi-decision-templates.ts';
import type { FlowDocumentInput, Locale } from '@flightdeck/workflows';
import { e, n } from './graph.ts';

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

export const FINANCE_THRESHOLD = 1_000_000;

const tellOwner = (why: string) => ({
  owner: true,
  subject: `{{ campaign.name }}: ${why}`,
  text:
    `Hello {{ campaign.owner.name }},\n\nThe launch approval for {{ campaign.name }} ended: ${why}.` +
    `\nOpen the run to see who decided what and why.\n`,
});

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
    nodes: [
      n('start', 'trigger.manual', 'Request launch approval', { sampleInput: {} }, 0, 200),
      n('submitted', 'campaign.status', 'Pending approval', { status: 'pending_approval' }, 240, 200),
      n('reviews', 'control.parallel', 'Brand and legal in parallel', { branches: ['brand', 'legal'] }, 480, 200),
      n(
        'brand_review',
        'approval.request',
        'Brand review',
        {
          title: 'Brand review: {{ campaign.name }}',
          approvers: [{ kind: 'role', role: 'approver', department: 'Brand' }],
          mode: 'any',
          due: '2d',
          remindEvery: '1d',
          onTimeout: 'branch',
        },
        720,
        60,
      ),
      n(
        'legal_review',
        'approval.request',
        'Legal/compliance review',
        {
          title: 'Legal and compliance review: {{ campaign.name }}',
          approvers: [{ kind: 'role', role: 'approver', department: 'Legal' }],
          mode: 'any',
          due: '2d',
          remindEvery: '1d',
          onTimeout: 'branch',
        },
        720,
        340,
      ),
      n('reviews_done', 'control.join', 'Both reviews passed', { mode: 'all' }, 980, 200),
      n(
        'head_approval',
        'approval.request',
        'Department head',
        {
          title: 'Department head approval: {{ campaign.name }}',
          approvers: [{ kind: 'department_head', department: 'campaign' }],
          mode: 'any',
          due: '2d',
          remindEvery: '1d',
          distinctAcrossLevels: true,
          onTimeout: 'escalate',
          escalateTo: [{ kind: 'role', role: 'department_admin', department: 'campaign' }],
          maxEscalations: 1,
        },
        1220,
        200,
      ),
      n(
        'big_budget',
        'control.condition',
        'Budget above threshold?',
        { expression: `campaign.budget.total > ${FINANCE_THRESHOLD}` },
        1460,
        200,
      ),
      n(
        'finance_approval',
        'approval.request',
        'Finance director',
        {
          title: 'Finance approval: {{ campaign.name }}',
          approvers: [{ kind: 'department_head', department: 'Finance' }],
          mode: 'any',
          due: '2d',
          remindEvery: '1d',
          distinctAcrossLevels: true,
          onTimeout: 'branch',
        },
        1700,
        60,
      ),
      n('launch', 'campaign.status', 'Launch: mark approved', { status: 'approved' }, 1960, 200),
      n('approved_end', 'control.end', 'Approved', { status: 'completed' }, 2200, 200),
      n('tell_rejected', 'channel.email', 'Tell the owner: rejected', tellOwner('rejected'), 1460, 520),
      n('tell_timeout', 'channel.email', 'Tell the owner: timed out', tellOwner('no decision in time'), 1460, 700),
      n('back_to_draft', 'campaign.status', 'Back to draft', { status: 'draft' }, 1700, 600),
      n('rejected_end', 'control.end', 'Not approved', { status: 'failed', reason: 'The launch was not approved' }, 1940, 600),
    ],
    edges: [
      e('start', 'next', 'submitted'),
      e('submitted', 'next', 'reviews'),
      e('reviews', 'brand', 'brand_review'),
      e('reviews', 'legal', 'legal_review'),
      e('brand_review', 'approved', 'reviews_done'),
      e('legal_review', 'approved', 'reviews_done'),
      e('reviews_done', 'next', 'head_approval'),
      e('head_approval', 'approved', 'big_budget'),
      e('big_budget', 'true', 'finance_approval'),
      e('big_budget', 'false', 'launch'),
      e('finance_approval', 'approved', 'launch'),
      e('launch', 'next', 'approved_end'),
      ...['brand_review', 'legal_review', 'head_approval', 'finance_approval'].flatMap((id) => [
        e(id, 'rejected', 'tell_rejected'),
        e(id, 'timed_out', 'tell_timeout'),
      ]),
      e('tell_rejected', 'sent', 'back_to_draft'),
      e('tell_timeout', 'sent', 'back_to_draft'),
      e('back_to_draft', 'next', 'rejected_end'),
    ],
  },
} satisfies Template;

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
} satisfies Template;

export const TEMPLATES: Template[] = [standardLaunchApproval, launchOnWarmUp, ...MONITORING_TEMPLATES, ...KPI_DECISION_TEMPLATES];
