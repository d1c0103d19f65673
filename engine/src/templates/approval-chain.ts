import type { FlowDocumentInput } from '@flightdeck/workflows';
import { e, n, type ChineseText } from './graph.ts';

/**
 * The launch approval chain as a part of a flow: brand and legal review side by side, then the department head,
 * then the finance director when the budget is above the threshold, ending on "Launch: mark approved" (`launch`,
 * whose `next` the flow draws); a rejection or a timeout tells the owner and puts the campaign back to draft.
 */
export const FINANCE_THRESHOLD = 1_000_000;

const tellOwner = (why: string) => ({
  owner: true,
  subject: `{{ campaign.name }}: ${why}`,
  text:
    `Hello {{ campaign.owner.name }},\n\nThe launch approval for {{ campaign.name }} ended: ${why}.` +
    `\nOpen the run to see who decided what and why.\n`,
});

const tellOwnerZh = (why: string) => ({
  subject: `{{ campaign.name }}：${why}`,
  text: `{{ campaign.owner.name }}，您好：\n\n{{ campaign.name }} 的上线审批已结束：${why}。\n打开运行记录可查看谁在何时作了什么决定及理由。\n`,
});

/** The chain's words in Chinese (its labels, approval titles and the owner's e-mails), by node id. */
export const APPROVAL_CHAIN_ZH = {
  labels: {
    start: '申请上线审批',
    submitted: '待审批',
    reviews: '品牌与法务并行审批',
    brand_review: '品牌审核',
    legal_review: '法务/合规审核',
    reviews_done: '两项审核均通过',
    head_approval: '部门负责人审批',
    big_budget: '预算超过阈值？',
    finance_approval: '财务总监审批',
    launch: '上线审批通过',
    tell_rejected: '通知负责人：已驳回',
    tell_timeout: '通知负责人：已超时',
    back_to_draft: '退回草稿',
    rejected_end: '未获批准',
  },
  config: {
    brand_review: { title: '品牌审核：{{ campaign.name }}' },
    legal_review: { title: '法务与合规审核：{{ campaign.name }}' },
    head_approval: { title: '部门负责人审批：{{ campaign.name }}' },
    finance_approval: { title: '财务审批：{{ campaign.name }}' },
    tell_rejected: tellOwnerZh('已驳回'),
    tell_timeout: tellOwnerZh('未在期限内作出决定'),
  },
} satisfies ChineseText;

export const launchApprovalChain: Pick<FlowDocumentInput, 'nodes' | 'edges'> = {
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
    ...['brand_review', 'legal_review', 'head_approval', 'finance_approval'].flatMap((id) => [
      e(id, 'rejected', 'tell_rejected'),
      e(id, 'timed_out', 'tell_timeout'),
    ]),
    e('tell_rejected', 'sent', 'back_to_draft'),
    e('tell_timeout', 'sent', 'back_to_draft'),
    e('back_to_draft', 'next', 'rejected_end'),
  ],
};
