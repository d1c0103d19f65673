import { z } from 'zod';
import { lazily } from '../lazy.ts';
import { durationMs, durationSchema } from '../duration.ts';
import type { JsonValue } from '../json.ts';
import { renderText } from '../templates.ts';
import { BranchCancelled, TaskRejection } from '../interpreter/ports.ts';
import type { Requester } from '../interpreter/interpreter.ts';
import { approverRefSchema, refsNeedCampaign, type ApproverRef, type Person } from '../people.ts';
import { defineNode } from './define.ts';
import { expressionRefs, quickActivity, resolvePeople, RESOLVE_PEOPLE_ACTIVITY } from './resolve-people.ts';
import type { ActivityName } from '../activities.ts';
import { schemaMessage } from '../problem-text.ts';

export const APPROVAL_ACTIVITIES = {
  resolve: RESOLVE_PEOPLE_ACTIVITY,
  sync: 'syncApprovalTask',
  notify: 'notifyApprovers',
} as const satisfies Record<string, ActivityName>;

export type Decision = 'approve' | 'reject';
export type ApprovalStatus = 'open' | 'approved' | 'rejected' | 'timed_out' | 'cancelled';

export interface Vote {
  userId: string;
  name: string;
  decision: Decision;
  comment?: string;
  at: string;
  level: number;
}

/** The task as the run view, the inbox mirror and the e-mails see it. */
export interface ApprovalTaskView {
  taskId: string;
  runId: string;
  flowId: string;
  nodeId: string;
  title: string;
  status: ApprovalStatus;
  mode: 'any' | 'all' | 'quorum';
  /** Approvals needed at the current level. */
  needed: number;
  level: number;
  eligible: Person[];
  excluded: { id: string; name: string; reason: string }[];
  votes: Vote[];
  reminders: { at: string; to: string[] }[];
  escalations: { at: string; to: Person[]; reason: string }[];
  openedAt: string;
  dueAt: string;
  closedAt?: string;
  /** Why it closed without a decision (cancelled: "another branch finished first"). */
  closedReason?: string;
  autoDecided?: boolean;
  requester: Requester | null;
  campaign: { id?: string; name?: string; department?: string } | null;
  /** Grows with every change, so a late mirror write never overwrites a newer one. */
  version: number;
}

export type { ResolvePeopleRequest as ResolveApproversRequest } from './resolve-people.ts';

export interface NotifyApproversRequest {
  kind: 'opened' | 'reminder' | 'escalated';
  task: ApprovalTaskView;
  to: Person[];
}

export const decisionInputSchema = lazily(() =>
  z.strictObject({
    userId: z.string().min(1).max(200),
    decision: z.enum(['approve', 'reject']),
    comment: z.string().max(2000).optional(),
  }),
);
export type DecisionInput = z.infer<ReturnType<typeof decisionInputSchema>>;

/**
 * What a task shows of the run's campaign: its id, name and department. Not the whole snapshot,
 * which carries the owner's contact details and would be copied into every task and mirror row.
 */
function campaignContext(snapshot: unknown): ApprovalTaskView['campaign'] {
  if (!snapshot || typeof snapshot !== 'object') return null;
  const { id, name, department } = snapshot as Record<string, unknown>;
  return {
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof department === 'string' ? { department } : {}),
  };
}

/** Pure: what the votes so far at this level decide. */
export function tally(view: Pick<ApprovalTaskView, 'mode' | 'needed' | 'eligible' | 'votes' | 'level'>): ApprovalStatus {
  const votes = view.votes.filter((v) => v.level === view.level);
  const approvals = votes.filter((v) => v.decision === 'approve').length;
  const rejections = votes.length - approvals;
  if (view.mode === 'any') return votes[0] ? (votes[0].decision === 'approve' ? 'approved' : 'rejected') : 'open';
  if (approvals >= view.needed) return 'approved';
  // Too few people are left who could still approve.
  if (rejections > view.eligible.length - view.needed) return 'rejected';
  return 'open';
}

export function neededApprovals(
  mode: 'any' | 'all' | 'quorum',
  quorum: { count?: number; percent?: number } | undefined,
  eligible: number,
): number {
  if (mode === 'any') return 1;
  if (mode === 'all') return eligible;
  if (quorum?.count !== undefined) return Math.min(quorum.count, eligible);
  // Multiply before dividing: (28 / 100) * 25 is 7.000000000000001, which would round up to 8.
  return Math.min(eligible, Math.max(1, Math.ceil(((quorum?.percent ?? 50) * eligible) / 100)));
}

/**
 * Pure: refuses a decision the task cannot take, with the reason an approver reads. `decidedElsewhere`: people who
 * decided another approval of the run since this one opened (a parallel branch), with why they may not decide this one.
 */
export function checkDecision(view: ApprovalTaskView, raw: unknown, decidedElsewhere?: ReadonlyMap<string, string>): DecisionInput {
  const parsed = decisionInputSchema().safeParse(raw);
  if (!parsed.success) throw new TaskRejection('invalid', `Invalid decision: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
  const input = parsed.data;
  if (view.status !== 'open') throw new TaskRejection('closed', `This approval is already ${view.status.replace('_', ' ')}`);
  if (view.requester?.id === input.userId) {
    throw new TaskRejection('not_eligible', 'You requested this run, so someone else must approve it (separation of duties)');
  }
  const excluded = view.excluded.find((e) => e.id === input.userId)?.reason ?? decidedElsewhere?.get(input.userId);
  if (excluded) throw new TaskRejection('not_eligible', `You cannot decide this approval: ${excluded}`);
  if (!view.eligible.some((p) => p.id === input.userId)) throw new TaskRejection('not_eligible', 'You are not an approver of this task');
  if (view.votes.some((v) => v.userId === input.userId && v.level === view.level))
    throw new TaskRejection('duplicate', 'You have already decided this approval');
  if (input.decision === 'reject' && !input.comment?.trim())
    throw new TaskRejection('invalid', 'A rejection needs a comment that says why');
  return input;
}

/** Patch id (Temporal's patched()) of the check across approvals open at the same time. */
export const DISTINCT_WHILE_OPEN = 'approval-distinct-while-open';

const refsField = lazily(() => z.array(approverRefSchema()).max(20));

const configSchema = lazily(() =>
  z
    .strictObject({
      title: z.string().min(1).max(200).default('Approval').meta({ widget: 'template' }),
      approvers: refsField().min(1, schemaMessage('one_approver')),
      mode: z.enum(['any', 'all', 'quorum']).default('any'),
      quorum: z
        .strictObject({ count: z.number().int().min(1).max(50).optional(), percent: z.number().min(1).max(100).optional() })
        .refine((q) => (q.count === undefined) !== (q.percent === undefined), schemaMessage('count_or_percent'))
        .optional(),
      distinctAcrossLevels: z.boolean().default(false),
      due: durationSchema().default('3d'),
      remindEvery: durationSchema().optional(),
      onTimeout: z.enum(['escalate', 'auto_approve', 'auto_reject', 'branch']).default('branch'),
      escalateTo: refsField().default([]),
      maxEscalations: z.number().int().min(1).max(5).default(1),
    })
    .refine((c) => c.mode !== 'quorum' || c.quorum !== undefined, { message: schemaMessage('quorum_needs'), path: ['quorum'] })
    .refine((c) => c.onTimeout !== 'escalate' || c.escalateTo.length > 0, {
      message: schemaMessage('escalate_whom'),
      path: ['escalateTo'],
    }),
);

const quick = quickActivity;

export const approval = defineNode({
  type: 'approval.request',
  family: 'approval',
  configSchema,
  handles: () => ['approved', 'rejected', 'timed_out'],
  hasInput: true,
  editor: {
    icon: '✔',
    color: '#be123c',
    defaultConfig: {
      title: 'Approval needed',
      approvers: [{ kind: 'role', role: 'approver' }],
      mode: 'any',
      due: '2d',
      onTimeout: 'branch',
    },
  },
  text: {
    en: {
      title: 'Approval',
      description:
        'Asks people to approve or reject, durably: reminders, due time, escalation. Approvers act from the inbox or an e-mail link.',
      fields: {
        title: { label: 'Title', help: 'May use {{ campaign.name }}' },
        approvers: { label: 'Approvers', help: 'Users, roles, department heads, or a CEL expression over the campaign' },
        mode: { label: 'Mode', help: 'any: the first decision counts; all: everyone; quorum: N or a percentage' },
        quorum: { label: 'Quorum' },
        count: { label: 'Count' },
        percent: { label: 'Percent' },
        distinctAcrossLevels: { label: 'No one approves two levels of a run' },
        due: { label: 'Due after' },
        remindEvery: { label: 'Remind every' },
        onTimeout: { label: 'When due' },
        escalateTo: { label: 'Escalate to' },
        maxEscalations: { label: 'Escalations at most' },
      },
      handles: { approved: 'approved', rejected: 'rejected', timed_out: 'timed out' },
    },
    'zh-CN': {
      title: '审批',
      description: '请相关人员批准或驳回，持久可靠：提醒、截止时间、升级。审批人可在待办或邮件链接中处理。',
      fields: {
        title: { label: '标题', help: '可使用 {{ campaign.name }}' },
        approvers: { label: '审批人', help: '用户、角色、部门负责人，或基于活动数据的 CEL 表达式' },
        mode: { label: '方式', help: '任一：首个决定生效；全部：所有人；法定人数：N 人或百分比' },
        quorum: { label: '法定人数' },
        count: { label: '人数' },
        percent: { label: '百分比' },
        distinctAcrossLevels: { label: '同一运行中不可跨级重复审批' },
        due: { label: '截止时长' },
        remindEvery: { label: '提醒间隔' },
        onTimeout: { label: '超时处理' },
        escalateTo: { label: '升级给' },
        maxEscalations: { label: '最多升级次数' },
      },
      handles: { approved: '已批准', rejected: '已驳回', timed_out: '已超时' },
    },
  },
  docs:
    'A durable human task. Decisions arrive as a Temporal Update whose validator refuses ineligible approvers, ' +
    'second votes and decisions on closed tasks, ' +
    'and are raced against durable timers for reminders and the due time. ' +
    'The requester never approves their own run. A rejection needs a comment.',
  expressions: (config) => [...expressionRefs(config.approvers, ['approvers']), ...expressionRefs(config.escalateTo, ['escalateTo'])],
  needsCampaign: (config) => refsNeedCampaign(config.approvers) ?? refsNeedCampaign(config.escalateTo),
  // Auto-decided timeouts take the approved or rejected path; the others end as timed_out.
  outcomesThatFailUndrawn: (config) => [
    'rejected',
    ...(config.onTimeout === 'auto_approve' || config.onTimeout === 'auto_reject' ? [] : ['timed_out']),
  ],
  async execute(ctx) {
    const { config, ports, scope, node } = ctx;
    const requester = (scope.requester as Requester | null) ?? null;
    const campaign = campaignContext(scope.campaign);
    const run = scope.run as { id: string; flowId: string };
    const iso = () => new Date(ports.now()).toISOString();

    // People who decided another approval of this run, with the reason they may not decide this one.
    const decidedElsewhere = () => {
      const elsewhere = new Map<string, string>();
      for (const [id, peer] of Object.entries(ctx.peers())) {
        const votes = (peer.detail as { votes?: Vote[] } | undefined)?.votes ?? [];
        if (id !== node.id) for (const v of votes) elsewhere.set(v.userId, `decided the "${id}" level of this run`);
      }
      return elsewhere;
    };
    // Separation of duties, decided before anyone is asked: the requester, and (if set) people who decided another level.
    const excludedFor = (people: Person[], ownVotes: Vote[] = []) => {
      const earlier = new Map<string, string>();
      if (config.distinctAcrossLevels) {
        for (const [userId, reason] of decidedElsewhere()) earlier.set(userId, reason);
        // An escalation is a level too: whoever decided an earlier level of this approval does not decide the next.
        for (const v of ownVotes) earlier.set(v.userId, `decided level ${v.level} of this approval`);
      }
      const excluded: ApprovalTaskView['excluded'] = [];
      const eligible = people.filter((p) => {
        const reason = p.id === requester?.id ? 'requested this run' : earlier.get(p.id);
        if (reason) excluded.push({ id: p.id, name: p.name, reason });
        return !reason;
      });
      return { eligible, excluded };
    };
    const resolve = (refs: ApproverRef[]) => resolvePeople(ports, scope, refs);

    const first = excludedFor(await resolve(config.approvers));
    if (!first.eligible.length) {
      const why = first.excluded.length ? ` (excluded: ${first.excluded.map((e) => `${e.name}, ${e.reason}`).join('; ')})` : '';
      throw new Error(`No one is eligible to approve${why}`);
    }
    const dueMs = durationMs(config.due);
    const view: ApprovalTaskView = {
      taskId: ctx.executionKey,
      runId: run.id,
      flowId: run.flowId,
      nodeId: node.id,
      title: renderText(config.title, scope),
      status: 'open',
      mode: config.mode,
      needed: neededApprovals(config.mode, config.quorum, first.eligible.length),
      level: 1,
      eligible: first.eligible,
      excluded: first.excluded,
      votes: [],
      reminders: [],
      escalations: [],
      openedAt: iso(),
      dueAt: new Date(ports.now() + dueMs).toISOString(),
      requester,
      campaign,
      version: 1,
    };
    const snapshot = () => JSON.parse(JSON.stringify(view)) as ApprovalTaskView;
    const publish = () => {
      view.version += 1;
      ctx.setDetail(snapshot() as unknown as JsonValue);
    };
    const mirror = () => ctx.background(ports.callActivity(APPROVAL_ACTIVITIES.sync, [snapshot()], quick));
    const notify = (kind: NotifyApproversRequest['kind'], to: Person[]) =>
      ctx.background(
        ports.callActivity(APPROVAL_ACTIVITIES.notify, [{ kind, task: snapshot(), to } satisfies NotifyApproversRequest], quick),
      );

    // Approvals open at the same time (parallel branches) count as levels too: a person who decides one of them while
    // this one is open may not decide this one. Recorded histories from before replay without it.
    const distinctWhileOpen = config.distinctAcrossLevels && (ports.patched?.(DISTINCT_WHILE_OPEN) ?? true);
    const elsewhere = () => (distinctWhileOpen ? decidedElsewhere() : undefined);
    /** Eligible people who have since decided a parallel approval: they leave this one's list. */
    const nowIneligible = () => {
      const other = elsewhere();
      const votedHere = (id: string) => view.votes.some((v) => v.userId === id && v.level === view.level);
      return other ? view.eligible.filter((p) => other.has(p.id) && !votedHere(p.id)) : [];
    };

    ctx.setDetail(snapshot() as unknown as JsonValue);
    // Open for decisions before the inbox can show it: a fast approver must never find it "closed".
    const close = ctx.openTask({
      id: view.taskId,
      nodeId: node.id,
      validate: (input) => void checkDecision(view, input, elsewhere()),
      apply: (input) => {
        const vote = checkDecision(view, input, elsewhere());
        const person = view.eligible.find((p) => p.id === vote.userId)!;
        view.votes.push({
          userId: vote.userId,
          name: person.name,
          decision: vote.decision,
          ...(vote.comment ? { comment: vote.comment } : {}),
          at: iso(),
          level: view.level,
        });
        view.status = tally(view);
        if (view.status !== 'open') view.closedAt = iso();
        publish();
        return snapshot();
      },
    });

    // They move to the excluded list (the inbox stops showing them the task) and the level needs what the rest can give.
    // With no one left the task waits for its due time, when escalation can bring others.
    const excludeDecidedElsewhere = () => {
      const gone = nowIneligible();
      const reasons = elsewhere()!;
      view.eligible = view.eligible.filter((p) => !gone.includes(p));
      view.excluded = [...view.excluded, ...gone.map((p) => ({ id: p.id, name: p.name, reason: reasons.get(p.id)! }))];
      if (view.eligible.length) {
        view.needed = neededApprovals(config.mode, config.quorum, view.eligible.length);
        view.status = tally(view);
        if (view.status !== 'open') view.closedAt = iso();
      }
      publish();
      mirror();
    };
    const remindMs = config.remindEvery ? durationMs(config.remindEvery) : undefined;
    let dueAt = ports.now() + dueMs;
    let lastReminder = ports.now();
    try {
      // The inbox must show the task before anyone is told about it.
      await ports.callActivity(APPROVAL_ACTIVITIES.sync, [snapshot()], quick);
      notify('opened', view.eligible);
      while (view.status === 'open') {
        const wakeAt = Math.min(remindMs ? lastReminder + remindMs : Infinity, dueAt);
        const woke = await ports.waitUntil(() => view.status !== 'open' || nowIneligible().length > 0, Math.max(0, wakeAt - ports.now()));
        if (view.status !== 'open') break;
        if (woke) {
          excludeDecidedElsewhere();
          continue;
        }
        const now = ports.now();
        if (now < dueAt) {
          lastReminder = now;
          const waiting = view.eligible.filter((p) => !view.votes.some((v) => v.userId === p.id && v.level === view.level));
          view.reminders.push({ at: iso(), to: waiting.map((p) => p.id) });
          publish();
          mirror();
          notify('reminder', waiting);
          continue;
        }
        if (config.onTimeout === 'escalate' && view.escalations.length < config.maxEscalations) {
          const next = excludedFor(await resolve(config.escalateTo), view.votes);
          if (next.eligible.length) {
            view.level += 1;
            view.eligible = next.eligible;
            view.excluded = [...view.excluded, ...next.excluded];
            view.needed = neededApprovals(config.mode, config.quorum, next.eligible.length);
            view.escalations.push({ at: iso(), to: next.eligible, reason: `No decision within ${config.due}` });
            dueAt = now + dueMs;
            lastReminder = now;
            view.dueAt = new Date(dueAt).toISOString();
            publish();
            mirror();
            notify('escalated', next.eligible);
            continue;
          }
        }
        view.status = config.onTimeout === 'auto_approve' ? 'approved' : config.onTimeout === 'auto_reject' ? 'rejected' : 'timed_out';
        view.autoDecided = config.onTimeout === 'auto_approve' || config.onTimeout === 'auto_reject';
        view.closedAt = iso();
        publish();
      }
    } catch (err) {
      if (!(err instanceof BranchCancelled)) throw err;
      // The branch lost a join's race: the task closes with the reason, and the inbox stops listing it before the run goes on.
      Object.assign(view, { status: 'cancelled', closedAt: iso(), closedReason: err.reason });
      publish();
      close();
      await ports.callActivity(APPROVAL_ACTIVITIES.sync, [snapshot()], quick);
      throw err;
    } finally {
      close();
    }
    mirror();
    const handle = view.status === 'approved' ? 'approved' : view.status === 'rejected' ? 'rejected' : 'timed_out';
    // With no path drawn for the outcome, the branch must not end quietly: a join would count it as settled and
    // carry on as if this approval had passed (Windmill #2639). Fail the node, as a webhook does without its failed path.
    if (handle !== 'approved' && !ctx.hasEdge(handle)) {
      const by = view.votes.filter((v) => v.decision === 'reject').map((v) => v.name);
      throw new Error(
        handle === 'rejected'
          ? `Rejected${by.length ? ` by ${by.join(', ')}` : ''}, and no "rejected" path is drawn`
          : `No decision by ${view.dueAt}, and no "timed_out" path is drawn`,
      );
    }
    return {
      handle,
      output: {
        status: view.status,
        votes: view.votes,
        approvers: view.votes.filter((v) => v.decision === 'approve').map((v) => v.name),
        ...(view.autoDecided ? { autoDecided: true } : {}),
      } as unknown as JsonValue,
    };
  },
});
