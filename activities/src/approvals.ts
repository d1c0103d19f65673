import type { ApprovalTaskView, NotifyApproversRequest, Person, ResolveApproversRequest } from '@flightdeck/workflows';
import type { Mailer } from './email.ts';
import { escapeHtml } from './html.ts';

/** What the approval activities need from the server: its directory, its inbox mirror and its link signer. */
export interface ApprovalDeps {
  resolvePeople(req: ResolveApproversRequest): Promise<Person[]>;
  mirrorTask(view: ApprovalTaskView): Promise<void>;
  /** A signed one-click link for this person and decision. */
  decisionLink(taskId: string, userId: string, decision: 'approve' | 'reject'): Promise<string>;
  inboxUrl: string;
  mailer: Mailer;
}

const escape = escapeHtml;

function subject(req: NotifyApproversRequest): string {
  const prefix = req.kind === 'reminder' ? 'Reminder: ' : req.kind === 'escalated' ? 'Escalated to you: ' : '';
  return `${prefix}approval needed, ${req.task.title}`;
}

export function approvalActivities(deps: ApprovalDeps) {
  return {
    async resolveApprovers(req: ResolveApproversRequest): Promise<Person[]> {
      return deps.resolvePeople(req);
    },
    async syncApprovalTask(view: ApprovalTaskView): Promise<void> {
      await deps.mirrorTask(view);
    },
    /** One mail per person, each with their own signed links; a GET only shows a confirmation page. */
    async notifyApprovers(req: NotifyApproversRequest): Promise<{ sent: number }> {
      const { task } = req;
      let sent = 0;
      for (const person of req.to) {
        const approve = await deps.decisionLink(task.taskId, person.id, 'approve');
        const reject = await deps.decisionLink(task.taskId, person.id, 'reject');
        const campaign = task.campaign?.name ? `Campaign: ${task.campaign.name}\n` : '';
        const requester = task.requester ? `Requested by: ${task.requester.name}\n` : '';
        const text =
          `${task.title}\n\n${campaign}${requester}Due: ${task.dueAt}\n\n` +
          `Approve: ${approve}\n\nReject: ${reject}\n\nOr open your inbox: ${deps.inboxUrl}\n`;
        const html =
          `<p><strong>${escape(task.title)}</strong></p>` +
          (task.campaign?.name ? `<p>Campaign: ${escape(task.campaign.name)}</p>` : '') +
          (task.requester ? `<p>Requested by: ${escape(task.requester.name)}</p>` : '') +
          `<p>Due: ${escape(task.dueAt)}</p>` +
          `<p><a href="${escape(approve)}">Approve</a> · ` +
          `<a href="${escape(reject)}">Reject</a> · <a href="${escape(deps.inboxUrl)}">Open the inbox</a></p>`;
        await deps.mailer.send({ to: person.email, subject: subject(req), text, html });
        sent += 1;
      }
      return { sent };
    },
  };
}
