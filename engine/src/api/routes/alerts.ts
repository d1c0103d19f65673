import express, { Router } from 'express';
import {
  ackManyBody,
  ackManyResultSchema,
  alertDetailSchema,
  alertListQuery,
  alertPageSchema,
  list,
  problemSchema,
  silenceBody,
  silenceListQuery,
  silenceSchema,
  snoozeBody,
  uuidParam,
} from '../contracts/index.ts';
import { defineRoute, type ParsedRequest, type RouteRegistry } from '../route.ts';
import { HttpProblem } from '../problem.ts';
import { esc, linkFailure, page } from '../link-page.ts';
import { decodeCursor, type AckManyResult, type AlertService, type AlertView } from '../../services/alerts.ts';
import type { CampaignService } from '../../services/campaigns.ts';
import type { PeopleService } from '../../services/people.ts';
import { can } from '../../auth/access.ts';
import { LinkError, type LinkSigner } from '../../auth/links.ts';
import { said } from '@flightdeck/workflows';

const tag = 'Alerts';
const problem = (status: number, description: string) => ({ status, description, schema: problemSchema });
const TITLE = 'Flightdeck alert';

export function alertRoutes(
  registry: RouteRegistry,
  alerts: AlertService,
  campaigns: CampaignService,
  people: PeopleService,
  links: LinkSigner,
): Router {
  const r = Router();
  const alertDept = (q: ParsedRequest<{ id: string }, unknown, unknown>) => alerts.departmentOf(q.params.id);
  const silenceDept = (q: ParsedRequest<{ id: string }, unknown, unknown>) => alerts.silenceDepartment(q.params.id);

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/alerts',
      tag,
      access: { permission: 'campaigns:read', in: 'any' },
      summary: 'Alerts of the campaigns you can see, newest fired first, a page at a time',
      query: alertListQuery,
      responses: [{ status: 200, description: 'A page of alerts', schema: alertPageSchema }, problem(400, 'Invalid query')],
    },
    async ({ actor, query }) => {
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      if (after === null)
        throw new HttpProblem(400, 'Invalid request', said('cursor_foreign'), [
          { path: 'query.cursor', message: 'Not a cursor from this API' },
        ]);
      const { cursor: _cursor, ...filter } = query;
      return { status: 200, body: await alerts.list(actor, { ...filter, ...(after ? { after } : {}) }) };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/alerts/:id',
      tag,
      access: { permission: 'campaigns:read', in: alertDept },
      summary: 'One alert with its timeline: fired, notified, acknowledged, resolved, by whom and when',
      params: uuidParam,
      responses: [
        { status: 200, description: 'The alert', schema: alertDetailSchema },
        problem(404, 'No such alert, or not one you may see'),
      ],
    },
    async ({ params }) => ({ status: 200, body: await alerts.get(params.id) }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/alerts/ack',
      tag,
      access: { permission: 'campaigns:write', in: 'any' },
      summary: 'Acknowledge several alerts in one decision; each gets its own result (acknowledged or handled already are reported)',
      body: ackManyBody,
      responses: [
        { status: 200, description: 'One result per distinct id', schema: ackManyResultSchema },
        problem(400, 'Invalid body: the field names the bad id'),
        problem(403, 'You may act on no alerts at all'),
      ],
    },
    async ({ actor, body }) => {
      const may = (d: string | null) =>
        can(actor, 'campaigns:write', d) ? 'yes' : can(actor, 'campaigns:read', d) ? 'forbidden' : 'hidden';
      return { status: 200, body: { results: await alerts.acknowledgeMany(actor, body.ids, { may }) } };
    },
  );
  for (const [verb, summary] of [
    ['ack', 'Acknowledge: stops notifications and escalation'],
    ['resolve', 'Resolve by hand (final); the rule firing again opens a new alert'],
  ] as const) {
    defineRoute(
      r,
      registry,
      {
        method: 'post',
        path: `/api/alerts/:id/${verb}`,
        tag,
        access: { permission: 'campaigns:write', in: alertDept },
        summary,
        params: uuidParam,
        responses: [
          { status: 200, description: 'The alert as it is now', schema: alertDetailSchema },
          problem(403, 'You may see the alert but not act on it'),
          problem(404, 'No such alert, or not one you may see'),
          problem(409, 'Not allowed in its state (resolved is final; acknowledged once)'),
        ],
      },
      async ({ actor, params }) => ({
        status: 200,
        body: verb === 'ack' ? await alerts.acknowledge(actor, params.id) : await alerts.resolve(actor, params.id),
      }),
    );
  }
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/alerts/:id/snooze',
      tag,
      access: { permission: 'campaigns:write', in: alertDept },
      summary: 'Snooze until a time (at most 30 days ahead); then it fires again',
      params: uuidParam,
      body: snoozeBody,
      responses: [
        { status: 200, description: 'The alert as it is now', schema: alertDetailSchema },
        problem(400, 'Invalid body'),
        problem(403, 'You may see the alert but not act on it'),
        problem(404, 'No such alert, or not one you may see'),
        problem(409, 'The alert is resolved'),
        problem(422, 'The time is not in the future, or more than 30 days ahead'),
      ],
    },
    async ({ actor, params, body }) => ({ status: 200, body: await alerts.snooze(actor, params.id, new Date(body.until)) }),
  );

  defineRoute(
    r,
    registry,
    {
      method: 'get',
      path: '/api/silences',
      tag,
      access: { permission: 'campaigns:read', in: 'any' },
      summary: 'Silences of the campaigns you can see, latest ending first',
      query: silenceListQuery,
      responses: [{ status: 200, description: 'Silences', schema: list(silenceSchema) }, problem(400, 'Invalid query')],
    },
    async ({ actor, query }) => ({ status: 200, body: { items: await alerts.listSilences(actor, query) } }),
  );
  defineRoute(
    r,
    registry,
    {
      method: 'post',
      path: '/api/silences',
      tag,
      access: { permission: 'campaigns:write', in: (q) => campaigns.departmentOf(q.body.campaignId), hidesOutsiders: true },
      summary: "Mute a campaign's alerts (one rule, one channel, or all) for a while",
      body: silenceBody,
      responses: [
        { status: 201, description: 'The silence', schema: silenceSchema },
        problem(400, 'Invalid body'),
        problem(403, 'You may see the campaign but not change it'),
        problem(404, 'No such campaign, or not one you may see'),
        problem(422, 'Times out of order, in the past, or too long'),
      ],
    },
    async ({ actor, body }) => {
      const silence = await alerts.createSilence(actor, body);
      return { status: 201, body: silence, headers: { location: `/api/silences/${silence.id}` } };
    },
  );
  defineRoute(
    r,
    registry,
    {
      method: 'delete',
      path: '/api/silences/:id',
      tag,
      access: { permission: 'campaigns:write', in: silenceDept },
      summary: 'Expire a silence now (the record stays, ended)',
      params: uuidParam,
      responses: [
        { status: 204, description: 'Expired' },
        problem(403, 'You may see the silence but not change it'),
        problem(404, 'No such silence, or not one you may see'),
      ],
    },
    async ({ actor, params }) => {
      await alerts.expireSilence(actor, params.id);
      return { status: 204 };
    },
  );

  // One-click acknowledgement from a message. GET only shows a page: link scanners acknowledge nothing.
  const linkActor = async (token: string) => {
    const claims = await links.verifyAlertAck(token);
    // A grouped message's link: every alert the message told, its lead first.
    const ids = await alerts.ackSetMembers(claims.alertId, claims.setId);
    if ('connectionId' in claims) {
      // A robot message's link: it acknowledges for its chat room, while that room may still hear of the alert.
      const room = await alerts.chatActor(claims.alertId, claims.connectionId).catch(() => null);
      if (!room) throw new HttpProblem(404, 'Not found', said('hidden'));
      const may = (d: string | null) => (room.departmentId === null || room.departmentId === d ? 'yes' : 'hidden');
      return { claims, actor: room, ids, may };
    }
    const user = await people.userRow(claims.userId);
    if (!user || !user.active) throw new LinkError('invalid', 'This link belongs to a user who no longer exists');
    const actor = await people.actorFor(user, 'email-link');
    // The link speaks for its person only while they may still see the campaign.
    const department = await alerts.departmentOf(claims.alertId).catch(() => undefined);
    if (department === undefined || !can(actor, 'campaigns:read', department)) throw new HttpProblem(404, 'Not found', said('hidden'));
    const may = (d: string | null) => (can(actor, 'campaigns:read', d) ? 'yes' : 'hidden');
    return { claims, actor, ids, may };
  };
  r.get('/alert-ack', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    try {
      const { claims, ids } = await linkActor(token);
      const used = await alerts.linkUsed(claims.jti);
      if (ids.length > 1) page(res, 200, groupConfirmPage(await alerts.getMany(ids), token, used), TITLE);
      else page(res, 200, confirmPage(await alerts.get(claims.alertId), token, used), TITLE);
    } catch (err) {
      linkFailure(res, err, TITLE);
    }
  });
  r.post('/alert-ack', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    try {
      const { claims, actor, ids, may } = await linkActor(token);
      const thanks = actor.via === 'chat-link' ? ` Acknowledged for ${esc(actor.name)}.` : ` Thank you, ${esc(actor.name)}.`;
      if (ids.length > 1) {
        const results = await alerts.acknowledgeMany(actor, ids, { jti: claims.jti, may });
        page(res, 200, groupDonePage(await alerts.getMany(ids), results, thanks), TITLE);
        return;
      }
      const after = await alerts.ackByLink(actor, claims.alertId, claims.jti);
      page(
        res,
        200,
        `<h1>Acknowledged</h1><p>${esc(describe(after))}: the alert is now <strong>${esc(after.state)}</strong>.` +
          (actor.via === 'chat-link' ? ` Acknowledged for ${esc(actor.name)}.</p>` : ` Thank you, ${esc(actor.name)}.</p>`),
        TITLE,
      );
    } catch (err) {
      linkFailure(res, err, TITLE);
    }
  });
  return r;
}

const describe = (a: AlertView) => `${a.campaignName}: ${a.ruleLabel}${a.channel ? ` on ${a.channel}` : ''} (${a.severity})`;

const facts = (a: AlertView) =>
  `fired ${esc(a.firedAt)}` +
  (a.value !== null ? `; value ${esc(String(a.value))}` : '') +
  (a.threshold !== null ? `, threshold ${esc(String(a.threshold))}` : '');

const OUTCOME: Record<AckManyResult['outcome'], string> = {
  acknowledged: 'acknowledged now',
  already_acknowledged: 'was acknowledged already',
  already_resolved: 'was resolved already',
  refused: 'not acknowledged',
  forbidden: 'not yours to acknowledge',
  not_found: 'no longer exists',
};

/** A grouped message's link: the page lists every alert it told, and one button acknowledges those still open. */
function groupConfirmPage(list: AlertView[], token: string, used: boolean): string {
  const open = list.filter((a) => a.state !== 'resolved' && a.state !== 'acknowledged');
  const items = list.map((a) => `<li>${esc(describe(a))}: ${facts(a)}; <strong>${esc(a.state)}</strong></li>`).join('');
  const head = `<h1>${list.length} alerts told together</h1><ul>${items}</ul>`;
  if (used) return `${head}<p>This link has been used already.</p>`;
  if (!open.length) return `${head}<p>Every alert here is already acknowledged or resolved.</p>`;
  return (
    `${head}<form method="post" action="/alert-ack"><input type="hidden" name="token" value="${esc(token)}">` +
    `<button type="submit">Acknowledge ${open.length === list.length ? 'all' : 'the'} ${open.length} open</button></form>`
  );
}

function groupDonePage(list: AlertView[], results: AckManyResult[], thanks: string): string {
  const byId = new Map(list.map((a) => [a.id, a]));
  const items = results
    .map((r) => {
      const a = byId.get(r.id);
      return `<li>${a ? esc(describe(a)) : esc(r.id)}: <strong>${esc(OUTCOME[r.outcome])}</strong></li>`;
    })
    .join('');
  const n = results.filter((r) => r.outcome === 'acknowledged').length;
  return `<h1>Acknowledged ${n} of ${results.length}</h1><ul>${items}</ul><p>${thanks.trim()}</p>`;
}

function confirmPage(alert: AlertView, token: string, used: boolean): string {
  const head = `<h1>${esc(describe(alert))}</h1>`;
  const facts =
    `<p>Fired ${esc(alert.firedAt)}` +
    (alert.value !== null ? `; value ${esc(String(alert.value))}` : '') +
    (alert.threshold !== null ? `, threshold ${esc(String(alert.threshold))}` : '') +
    '</p>';
  if (used) return `${head}${facts}<p>This link has been used already.</p>`;
  if (alert.state === 'resolved' || alert.state === 'acknowledged')
    return `${head}${facts}<p>This alert is already <strong>${esc(alert.state)}</strong>.</p>`;
  return (
    `${head}${facts}` +
    `<form method="post" action="/alert-ack"><input type="hidden" name="token" value="${esc(token)}">` +
    `<button type="submit">Acknowledge</button></form>`
  );
}
