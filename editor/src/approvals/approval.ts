import type { ApprovalTaskView } from '@flightdeck/workflows';
import type { TFunction } from 'i18next';

/** Whether a node's live detail is an approval task (what approval.request publishes). */
export function isApprovalView(detail: unknown): detail is ApprovalTaskView {
  if (!detail || typeof detail !== 'object') return false;
  const d = detail as Partial<ApprovalTaskView>;
  return typeof d.taskId === 'string' && Array.isArray(d.votes) && Array.isArray(d.eligible) && typeof d.mode === 'string';
}

/** Votes at the level the task is at now (an escalation starts a new level). */
export function currentVotes(view: Pick<ApprovalTaskView, 'votes' | 'level'>) {
  return view.votes.filter((v) => v.level === view.level);
}

export function approvalCount(view: Pick<ApprovalTaskView, 'votes' | 'level'>): number {
  return currentVotes(view).filter((v) => v.decision === 'approve').length;
}

/** "Any one of 3", "All 3", "2 of 3". */
export function modeText(t: TFunction, view: Pick<ApprovalTaskView, 'mode' | 'needed' | 'eligible'>): string {
  const count = view.eligible.length;
  if (view.mode === 'any') return t('approval.modeAny', { count });
  if (view.mode === 'all') return t('approval.modeAll', { count });
  return t('approval.modeQuorum', { needed: view.needed, count });
}

export function isOverdue(view: { status: string; dueAt: string }, now: number): boolean {
  return view.status === 'open' && new Date(view.dueAt).getTime() < now;
}
