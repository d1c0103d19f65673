import express, { Router } from 'express';
import type { ApprovalTaskView } from '@flightdeck/workflows';
import { defineRoute, type RouteRegistry } from '../route.ts';
import { HttpProblem } from '../problem.ts';
import { esc, linkFailure, page } from '../link-page.ts';
import { hasUnstorableText } from '../unstorable.ts';
import { approvalListQuery, approvalTaskParam, decisionBody, inboxItemSchema, list, problemSchema } from '../contracts/index.ts';
import type { ApprovalService } from '../../services/approvals.ts';
import type { PeopleService } from '../../services/people.ts';
import { LinkError, type LinkSigner } from '../../auth/links.ts';
import { said } from '@flightdeck/workflows';

const tag = 'Approvals';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });

export function approvalRoutes(registry: RouteRegistry, approvals: ApprovalService, people: PeopleService, links: LinkSigner): Router {
  const r = Router();
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/approvals',
      tag,
      access: 'signed_in',
      summary: "My approvals inbox, with each task's campaign context",
      query: approvalListQuery,
      responses: [{ status: 200, description: 'Tasks', schema: list(inboxItemSchema) }],
    },
    async ({ actor, query }) => ({ status: 200, body: { items: await approvals.inbox(actor, query.status) } }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/approvals/:taskId',
      tag,
      access: 'signed_in',
      summary: 'One approval task',
      params: approvalTaskParam,
      responses: [{ status: 200, description: 'The task', schema: inboxItemSchema }, problem(404, 'No such task, or not one you may see')],
    },
    async ({ actor, params }) => ({ status: 200, body: await approvals.get(actor, params.taskId) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/approvals/:taskId/decision',
      tag,
      access: 'signed_in',
      summary: 'Approve or reject (a comment is required to reject)',
      params: approvalTaskParam,
      body: decisionBody,
      responses: [
        { status: 200, description: 'Decided: the task as it is now', schema: inboxItemSchema },
        problem(403, 'Not an eligible approver'),
        problem(404, 'No such task, or not one you may see'),
        problem(409, 'Already decided or closed'),
        problem(422, 'A rejection needs a comment'),
      ],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await approvals.decide(actor, params.taskId, body.decision, body.comment) }),
  );

  // One-click links from e-mail. GET only shows a page: mail scanners that prefetch links decide nothing.
  r.get('/approve', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    try {
      const claims = await links.verify(token);
      const row = await approvals.get(await people.actorFor(await userRow(people, claims.userId), 'email-link'), claims.taskId);
      page(res, 200, confirmPage(row.task, claims.decision, token));
    } catch (err) {
      linkFailure(res, err);
    }
  });
  r.post('/approve', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    const comment = typeof req.body?.comment === 'string' ? req.body.comment.trim().slice(0, 2000) : undefined;
    try {
      const claims = await links.verify(token);
      const actor = await people.actorFor(await userRow(people, claims.userId), 'email-link');
      if (comment && hasUnstorableText(comment))
        throw new HttpProblem(400, 'Invalid comment', 'The comment contains characters that cannot be stored');
      if (claims.decision === 'reject' && !comment) {
        const row = await approvals.get(actor, claims.taskId);
        return page(res, 422, confirmPage(row.task, 'reject', token, 'A rejection needs a comment that says why.'));
      }
      if (await approvals.linkUsed(claims.jti)) throw new HttpProblem(409, 'Link used', said('link_used'));
      // Only a decision the workflow accepted uses the link up; a refused one (closed, not eligible, invalid) leaves it as it was.
      // Two clicks at once cannot both count: the workflow takes one vote per approver.
      const after = await approvals.decide(actor, claims.taskId, claims.decision, comment);
      await approvals.consumeLink(claims.jti);
      page(
        res,
        200,
        `<h1>${claims.decision === 'approve' ? 'Approved' : 'Rejected'}</h1>` +
          `<p>${esc(after.title)}: the approval is now <strong>${esc(after.task.status.replace('_', ' '))}</strong>.` +
          ` Thank you, ${esc(actor.name)}.</p>`,
      );
    } catch (err) {
      linkFailure(res, err);
    }
  });
  return r;
}

async function userRow(people: PeopleService, id: string) {
  const u = await people.userRow(id);
  if (!u || !u.active) throw new LinkError('invalid', 'This link belongs to a user who no longer exists');
  return u;
}

function confirmPage(task: ApprovalTaskView, decision: 'approve' | 'reject', token: string, error?: string): string {
  const verb = decision === 'approve' ? 'Approve' : 'Reject';
  if (task.status !== 'open')
    return `<h1>${esc(task.title)}</h1><p>This approval is already <strong>${esc(task.status.replace('_', ' '))}</strong>.</p>`;
  return (
    `<h1>${verb}: ${esc(task.title)}</h1>` +
    (task.campaign?.name ? `<p>Campaign: ${esc(task.campaign.name)}</p>` : '') +
    (task.requester ? `<p>Requested by ${esc(task.requester.name)}</p>` : '') +
    `<p>Due ${esc(task.dueAt)}</p>` +
    (error ? `<p class="err">${esc(error)}</p>` : '') +
    `<form method="post" action="/approve"><input type="hidden" name="token" value="${esc(token)}">` +
    `<p><label>Comment${decision === 'reject' ? ' (required)' : ' (optional)'}<br>` +
    `<textarea name="comment"${decision === 'reject' ? ' required' : ''}></textarea></label></p>` +
    `<button type="submit" class="${decision}">${verb}</button></form>`
  );
}
