import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Transition } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { alertAckLinker, linkSigner } from '../src/auth/links.ts';
import { domainErrorFromDb } from '../src/services/db-errors.ts';
import type { AlertChange, TransitionBatch } from '../src/services/alerts.ts';

const MIN = 60_000;
const DAY = 86_400_000;

/**
 * Alerts on real PostgreSQL (and the real API on real Temporal): rule transitions open, refire and
 * resolve alerts with one open alert per dedup key; people acknowledge, resolve and snooze them with
 * every step on the timeline; silences mute; access follows the campaign; one-click ack links.
 * The server's clock is the test's: snoozes and silences end when the test moves it.
 */
describe('alerts', () => {
  let stack: TestStack;
  const T0 = Date.now();
  let shift = 0;
  const now = () => T0 + shift;
  let campaignId = '';
  let otherCampaignId = '';
  let designer: Awaited<ReturnType<TestStack['user']>>;
  let viewer: Awaited<ReturnType<TestStack['user']>>;
  let outsider: Awaited<ReturnType<TestStack['user']>>;
  let ackLink: (alertId: string, personId: string) => Promise<string>;

  beforeAll(async () => {
    stack = await startStack('alerts', { worker: false, clock: now });
    const ops = await stack.departmentId('Ops');
    designer = await stack.user('Dee Designer', [{ role: 'designer', department: 'Ops' }], { department: 'Ops' });
    viewer = await stack.user('Vi Viewer', [{ role: 'viewer', department: 'Ops' }], { department: 'Ops' });
    outsider = await stack.user('Otto Outsider', [{ role: 'designer', department: 'Elsewhere' }], { department: 'Elsewhere' });
    const made = await stack.api.post('/api/campaigns', { name: '618 launch', departmentId: ops });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    campaignId = made.body.id;
    const other = await stack.api.post('/api/campaigns', { name: 'Double 11', departmentId: ops });
    otherCampaignId = other.body.id;
    ackLink = alertAckLinker(stack.secret, stack.url);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const service = () => stack.server.app.alerts;
  const db = () => stack.server.db.db;
  let bucket = Date.parse('2026-06-01T00:00:00Z');
  /** A transition as the evaluator gives it, in event time: each call one bucket (an hour) later. */
  const tr = (ruleId: string, channel: string | null, from: Transition['from'], to: Transition['to'], more: Partial<Transition> = {}) => {
    bucket += 3_600_000;
    return {
      ruleId,
      channel,
      from,
      to,
      at: new Date(bucket).toISOString(),
      value: 0.012,
      threshold: 0.015,
      severity: 'warning',
      unit: 'ratio',
      ...more,
    } satisfies Transition;
  };
  const apply = (transitions: Transition[], batch: Partial<TransitionBatch> = {}): Promise<AlertChange[]> =>
    db().transaction((tx) =>
      service().applyTransitions(tx, { campaignId, nodeId: 'watch', transitions, receivedAt: new Date(now()), ...batch }),
    );
  const timeline = async (id: string) => (await stack.api.get(`/api/alerts/${id}`)).body.timeline.map((e: { kind: string }) => e.kind);
  const open = async (ruleId: string, channel: string | null = 'tmall') => {
    const [c] = await apply([tr(ruleId, channel, 'pending', 'firing')]);
    return c!.alertId;
  };

  it('→firing opens an alert; firing again refires the same one; firing→ok resolves it; the next firing opens a new one', async () => {
    expect(await apply([tr('ctr_low', 'tmall', 'ok', 'pending')])).toEqual([]);
    const [opened] = await apply([tr('ctr_low', 'tmall', 'pending', 'firing', { value: 0.011 })]);
    expect(opened).toMatchObject({ kind: 'opened', ruleId: 'ctr_low', channel: 'tmall', state: 'firing', silenced: false });
    const firedAt = new Date(bucket).toISOString();

    const [again] = await apply([tr('ctr_low', 'tmall', 'pending', 'firing', { value: 0.009, severity: 'critical' })]);
    expect(again).toMatchObject({ kind: 'refired', alertId: opened!.alertId, severity: 'critical' });
    // Another channel of the same rule is an alert of its own.
    const [jd] = await apply([tr('ctr_low', 'jd', 'pending', 'firing')]);
    expect(jd!.alertId).not.toBe(opened!.alertId);

    const view = (await stack.api.get(`/api/alerts/${opened!.alertId}`)).body;
    expect(view).toMatchObject({
      campaignId,
      campaignName: '618 launch',
      nodeId: 'watch',
      ruleId: 'ctr_low',
      channel: 'tmall',
      severity: 'critical',
      state: 'firing',
      firedAt,
      value: 0.009,
      threshold: 0.015,
      unit: 'ratio',
      resolvedAt: null,
    });
    expect(view.lastFiredAt > view.firedAt).toBe(true);
    expect(view.timeline.map((e: { kind: string }) => e.kind)).toEqual(['fired', 'refired']);
    expect(view.timeline[0]).toMatchObject({ actor: null, detail: { eventTime: firedAt, from: 'pending', value: 0.011 } });

    // The database itself holds one open alert per dedup key.
    const dup = await db()
      .execute(
        sql`INSERT INTO alerts (campaign_id, rule_id, channel, dedup_key, severity, fired_at, last_fired_at, unit)
            SELECT campaign_id, rule_id, channel, dedup_key, severity, fired_at, last_fired_at, unit
              FROM alerts WHERE id = ${opened!.alertId}`,
      )
      .catch((err: unknown) => err);
    expect(domainErrorFromDb(dup)?.kind).toBe('conflict');

    const [resolved] = await apply([tr('ctr_low', 'tmall', 'firing', 'ok', { value: 0.02 })]);
    expect(resolved).toMatchObject({ kind: 'resolved', alertId: opened!.alertId, state: 'resolved' });
    const after = (await stack.api.get(`/api/alerts/${opened!.alertId}`)).body;
    expect(after).toMatchObject({ state: 'resolved', resolvedBy: null, resolvedAt: new Date(now()).toISOString() });
    expect(after.timeline.at(-1)).toMatchObject({ kind: 'resolved', actor: null, detail: { by: 'rule', value: 0.02 } });
    // A resolution nobody opened changes nothing.
    expect(await apply([tr('ctr_low', 'douyin', 'firing', 'ok')])).toEqual([]);

    const [reopened] = await apply([tr('ctr_low', 'tmall', 'pending', 'firing')]);
    expect(reopened).toMatchObject({ kind: 'opened' });
    expect(reopened!.alertId).not.toBe(opened!.alertId);
    // Fire and resolve in one batch, given out of order: event time decides, and it ends resolved.
    const fire = tr('cpa_high', null, 'pending', 'firing');
    const calm = tr('cpa_high', null, 'firing', 'ok');
    expect((await apply([calm, fire])).map((c) => c.kind)).toEqual(['opened', 'resolved']);
  });

  it('ack, resolve and snooze: the timeline says who and when; illegal transitions are 409; snooze times are checked', async () => {
    const id = await open('cvr_low');
    const acked = await designer.api.post(`/api/alerts/${id}/ack`);
    expect(acked.status, JSON.stringify(acked.body)).toBe(200);
    expect(acked.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: { id: designer.id, name: 'Dee Designer' } });
    expect(acked.body.acknowledgedAt).toBe(new Date(now()).toISOString());
    expect(acked.body.timeline.at(-1)).toMatchObject({
      kind: 'acknowledged',
      actor: { id: designer.id, name: 'Dee Designer' },
      at: new Date(now()).toISOString(),
      detail: { via: 'token', from: 'firing' },
    });
    const twice = await designer.api.post(`/api/alerts/${id}/ack`);
    expect(twice.status).toBe(409);
    expect(twice.contentType).toContain('application/problem+json');

    // Snoozing: the time must be ahead, and within 30 days.
    for (const until of [now() - MIN, now() + 31 * DAY]) {
      const bad = await designer.api.post(`/api/alerts/${id}/snooze`, { until: new Date(until).toISOString() });
      expect(bad.status).toBe(422);
      expect(bad.body.errors[0].path).toBe('until');
    }
    const until = new Date(now() + 30 * MIN).toISOString();
    const snoozed = await designer.api.post(`/api/alerts/${id}/snooze`, { until });
    expect(snoozed.body).toMatchObject({ state: 'snoozed', snoozedUntil: until });
    expect(snoozed.body.timeline.at(-1)).toMatchObject({ kind: 'snoozed', actor: { id: designer.id }, detail: { until } });

    // The clock passes the snooze: the next ingest wakes it, by nobody.
    shift += 31 * MIN;
    const woken = await apply([]);
    expect(woken).toEqual([expect.objectContaining({ alertId: id, kind: 'unsnoozed', state: 'firing' })]);
    expect((await stack.api.get(`/api/alerts/${id}`)).body).toMatchObject({ state: 'firing', snoozedUntil: null });

    const resolved = await designer.api.post(`/api/alerts/${id}/resolve`);
    expect(resolved.body).toMatchObject({ state: 'resolved', resolvedBy: { id: designer.id } });
    for (const verb of ['ack', 'resolve']) expect((await designer.api.post(`/api/alerts/${id}/${verb}`)).status).toBe(409);
    expect((await designer.api.post(`/api/alerts/${id}/snooze`, { until: new Date(now() + MIN).toISOString() })).status).toBe(409);
    expect(await timeline(id)).toEqual(['fired', 'acknowledged', 'snoozed', 'unsnoozed', 'resolved']);

    // The people's acts are in the audit log, with before and after.
    const audit = (await stack.api.get(`/api/audit?entityType=alert&entityId=${id}`)).body.items;
    expect(audit.map((e: { action: string }) => e.action).sort()).toEqual(['alert.acknowledged', 'alert.resolved', 'alert.snoozed']);
    expect(audit.find((e: { action: string }) => e.action === 'alert.resolved')).toMatchObject({
      before: { state: 'firing' },
      after: { state: 'resolved' },
    });
  });

  it('a snooze that ran out ends before anyone acts: acking it records the wake first', async () => {
    const id = await open('aov_low');
    await designer.api.post(`/api/alerts/${id}/snooze`, { until: new Date(now() + 5 * MIN).toISOString() });
    shift += 6 * MIN;
    const acked = await designer.api.post(`/api/alerts/${id}/ack`);
    expect(acked.body.state).toBe('acknowledged');
    expect(acked.body.timeline.slice(-2).map((e: { kind: string; actor: unknown }) => [e.kind, e.actor === null])).toEqual([
      ['unsnoozed', true],
      ['acknowledged', false],
    ]);
  });

  it('access: viewers see but cannot act; another department gets 404 and an empty list', async () => {
    const id = await open('roi_low');
    expect((await viewer.api.get(`/api/alerts/${id}`)).status).toBe(200);
    const refused = await viewer.api.post(`/api/alerts/${id}/ack`);
    expect(refused.status).toBe(403);
    for (const [method, path] of [
      ['GET', `/api/alerts/${id}`],
      ['POST', `/api/alerts/${id}/ack`],
      ['POST', `/api/alerts/${id}/resolve`],
    ] as const) {
      const res = await outsider.api.call(method, path, method === 'POST' ? {} : undefined);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('618 launch');
    }
    expect((await outsider.api.post(`/api/alerts/${id}/snooze`, { until: new Date(now() + MIN).toISOString() })).status).toBe(404);
    expect((await outsider.api.get('/api/alerts')).body.items).toEqual([]);
    expect((await outsider.api.get(`/api/alerts?campaignId=${campaignId}`)).body.items).toEqual([]);
    expect((await outsider.api.post('/api/silences', { campaignId, endsAt: new Date(now() + DAY).toISOString() })).status).toBe(404);
    expect((await viewer.api.post('/api/silences', { campaignId, endsAt: new Date(now() + DAY).toISOString() })).status).toBe(403);
    expect((await stack.api.get(`/api/alerts/${randomUUID()}`)).status).toBe(404);
  });

  it('silences mute matching alerts while they last; expiring one ends it now; times are checked', async () => {
    const endsAt = new Date(now() + 2 * 3_600_000).toISOString();
    const made = await designer.api.post('/api/silences', { campaignId, ruleId: 'spend_burn', endsAt, comment: 'known: budget moved' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({
      campaignName: '618 launch',
      ruleId: 'spend_burn',
      channel: null,
      status: 'active',
      startsAt: new Date(now()).toISOString(),
      endsAt,
      createdBy: { id: designer.id, name: 'Dee Designer' },
    });
    const [muted] = await apply([tr('spend_burn', 'tmall', 'pending', 'firing')]);
    expect(muted).toMatchObject({ kind: 'opened', silenced: true });
    expect(await timeline(muted!.alertId)).toEqual(['fired', 'silenced']);
    const [loud] = await apply([tr('ctr_drop', 'tmall', 'pending', 'firing')]);
    expect(loud!.silenced).toBe(false);
    const target = { campaignId, ruleId: 'spend_burn', channel: 'jd' };
    expect(await service().isSilenced(target, new Date(now()))).toBe(true);
    expect(await service().isSilenced({ ...target, campaignId: otherCampaignId }, new Date(now()))).toBe(false);
    expect(await service().isSilenced(target, new Date(Date.parse(endsAt)))).toBe(false);

    const listed = (await viewer.api.get(`/api/silences?campaignId=${campaignId}&status=active`)).body.items;
    expect(listed.map((s: { id: string }) => s.id)).toContain(made.body.id);
    expect((await outsider.api.get('/api/silences')).body.items).toEqual([]);
    expect((await viewer.api.del(`/api/silences/${made.body.id}`)).status).toBe(403);
    expect((await outsider.api.del(`/api/silences/${made.body.id}`)).status).toBe(404);

    shift += MIN;
    expect((await designer.api.del(`/api/silences/${made.body.id}`)).status).toBe(204);
    expect(await service().isSilenced(target, new Date(now()))).toBe(false);
    const expired = (await stack.api.get(`/api/silences?campaignId=${campaignId}&status=expired`)).body.items;
    expect(expired.find((s: { id: string }) => s.id === made.body.id)).toMatchObject({ endsAt: new Date(now()).toISOString() });
    const audit = (await stack.api.get(`/api/audit?entityType=silence&entityId=${made.body.id}`)).body.items;
    expect(audit.map((e: { action: string }) => e.action).sort()).toEqual(['silence.created', 'silence.expired']);

    const at = (ms: number) => new Date(now() + ms).toISOString();
    for (const [body, field] of [
      [{ campaignId, startsAt: at(DAY), endsAt: at(DAY - MIN) }, 'endsAt'],
      [{ campaignId, startsAt: at(-2 * DAY), endsAt: at(-DAY) }, 'endsAt'],
      [{ campaignId, endsAt: at(91 * DAY) }, 'endsAt'],
      [{ campaignId, startsAt: at(100 * DAY), endsAt: at(101 * DAY) }, 'startsAt'],
    ] as const) {
      const res = await designer.api.post('/api/silences', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors[0].path).toBe(field);
    }
    const unknownCampaign = await stack.api.post('/api/silences', { campaignId: randomUUID(), endsAt: at(DAY) });
    expect(unknownCampaign.status).toBe(404);
  });

  it('one-click link: GET only shows a page, POST acknowledges once, reuse is refused; strangers and forgeries get nothing', async () => {
    const id = await open('neg_sentiment', null);
    const link = await ackLink(id, designer.id);
    expect(link.startsWith(`${stack.url}/alert-ack?token=`)).toBe(true);
    const token = new URL(link).searchParams.get('token')!;

    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('618 launch: neg_sentiment');
    expect(html).toContain('<form method="post" action="/alert-ack">');
    expect((await stack.api.get(`/api/alerts/${id}`)).body.state).toBe('firing');

    const post = (t: string) =>
      fetch(`${stack.url}/alert-ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: t }).toString(),
      });
    const acked = await post(token);
    expect(acked.status).toBe(200);
    expect(await acked.text()).toContain('Acknowledged');
    const view = (await stack.api.get(`/api/alerts/${id}`)).body;
    expect(view).toMatchObject({ state: 'acknowledged', acknowledgedBy: { id: designer.id } });
    expect(view.timeline.at(-1)).toMatchObject({ kind: 'acknowledged', actor: { id: designer.id }, detail: { via: 'email-link' } });

    const reused = await post(token);
    expect(reused.status).toBe(409);
    expect(await reused.text()).toContain('used already');
    expect(await (await fetch(link)).text()).toContain('used already');

    // A refused acknowledgement (the alert resolved meanwhile) leaves the link unused.
    const other = await open('neg_sentiment', 'weibo');
    const otherToken = new URL(await ackLink(other, designer.id)).searchParams.get('token')!;
    await designer.api.post(`/api/alerts/${other}/resolve`);
    expect((await post(otherToken)).status).toBe(409);
    const claims = await linkSigner(stack.secret).verifyAlertAck(otherToken);
    expect(await service().linkUsed(claims.jti)).toBe(false);

    // Someone who cannot see the campaign, an altered token, an approval link, an empty one.
    const third = await open('neg_sentiment', 'xhs');
    const strangers = new URL(await ackLink(third, outsider.id)).searchParams.get('token')!;
    expect((await post(strangers)).status).toBe(404);
    const approval = await linkSigner(stack.secret).sign({ taskId: third, userId: designer.id, decision: 'approve' }, 600);
    for (const t of [token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'), approval, ''])
      expect((await post(t)).status, t.slice(0, 20)).toBe(400);
    expect((await fetch(`${stack.url}/alert-ack?token=nonsense`)).status).toBe(400);
    expect((await stack.api.get(`/api/alerts/${third}`)).body.state).toBe('firing');
  });

  it('filters by campaign, rule, state, severity and fired time; pages with a cursor', async () => {
    const mine = async (q: string) => (await stack.api.get(`/api/alerts?${q}`)).body;
    const base = Date.parse('2027-01-01T00:00:00Z');
    const at = (h: number) => new Date(base + h * 3_600_000).toISOString();
    await apply(
      [
        tr('budget_line', 'a', 'pending', 'firing', { at: at(1), severity: 'critical' }),
        tr('budget_line', 'b', 'pending', 'firing', { at: at(2), severity: 'warning' }),
        tr('budget_line', 'c', 'pending', 'firing', { at: at(3), severity: 'warning' }),
      ],
      { campaignId: otherCampaignId },
    );
    const all = await mine(`campaignId=${otherCampaignId}`);
    expect(all.items.map((a: { channel: string }) => a.channel)).toEqual(['c', 'b', 'a']);
    expect(all.items.every((a: { campaignName: string }) => a.campaignName === 'Double 11')).toBe(true);
    expect((await mine(`campaignId=${otherCampaignId}&severity=critical`)).items.map((a: { channel: string }) => a.channel)).toEqual(['a']);
    expect(
      (await mine(`campaignId=${otherCampaignId}&from=${at(2)}&to=${at(3)}`)).items.map((a: { channel: string }) => a.channel),
    ).toEqual(['b']);
    expect((await mine(`ruleId=budget_line&state=open`)).items).toHaveLength(3);
    expect((await mine(`ruleId=budget_line&state=resolved`)).items).toHaveLength(0);
    expect((await mine('state=resolved')).items.every((a: { state: string }) => a.state === 'resolved')).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { channel: string }[]; nextCursor: string | null } = await mine(
        `campaignId=${otherCampaignId}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items).toHaveLength(1);
      seen.push(page.items[0]!.channel);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['c', 'b', 'a']);

    const badCursor = await stack.api.get('/api/alerts?cursor=bm90LWEtY3Vyc29y');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].path).toBe('query.cursor');
    const backwards = await stack.api.get(`/api/alerts?from=${at(3)}&to=${at(1)}`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].path).toBe('query.to');
    for (const q of ['limit=0', 'limit=201', 'state=sleeping', 'severity=huge', 'ruleId=Not-A-Rule', 'from=yesterday', 'campaignId=x'])
      expect((await stack.api.get(`/api/alerts?${q}`)).status, q).toBe(400);
  });

  it('property: generated bad bodies, queries, ids and tokens for the alert routes never get a 5xx', async () => {
    const id = await open('fuzz_target');
    const hostile = fc.oneof(
      fc.constantFrom('', '\u0000', '\ud800', 'not-a-uuid', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '-1', '1e309', '%00'),
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.double(),
      fc.constantFrom(null, true, [], {}),
      fc.uuid(),
    );
    const body = fc.oneof(
      fc.dictionary(
        fc.constantFrom('until', 'campaignId', 'ruleId', 'channel', 'startsAt', 'endsAt', 'comment', 'x', '__proto__'),
        hostile,
      ),
      hostile,
    );
    const query = fc.dictionary(
      fc.constantFrom('campaignId', 'ruleId', 'state', 'severity', 'from', 'to', 'limit', 'cursor', 'status', 'extra'),
      hostile.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
      { maxKeys: 4 },
    );
    const target = fc.oneof(fc.constant(id), fc.uuid(), fc.constantFrom('x', '%00', '..', 'a'.repeat(300)));
    const request = fc.oneof(
      query.map((q) => ({ method: 'GET', path: `/api/alerts?${new URLSearchParams(q as Record<string, string>)}` })),
      query.map((q) => ({ method: 'GET', path: `/api/silences?${new URLSearchParams(q as Record<string, string>)}` })),
      fc.tuple(target, body).map(([t, b]) => ({ method: 'POST', path: `/api/alerts/${encodeURIComponent(t)}/snooze`, body: b })),
      fc
        .tuple(target, fc.constantFrom('ack', 'resolve'))
        .map(([t, v]) => ({ method: 'POST', path: `/api/alerts/${encodeURIComponent(t)}/${v}` })),
      target.map((t) => ({ method: 'GET', path: `/api/alerts/${encodeURIComponent(t)}` })),
      body.map((b) => ({ method: 'POST', path: '/api/silences', body: b })),
      target.map((t) => ({ method: 'DELETE', path: `/api/silences/${encodeURIComponent(t)}` })),
      fc.string({ maxLength: 300 }).map((t) => ({ method: 'GET', path: `/alert-ack?token=${encodeURIComponent(t)}`, page: true })),
      fc.string({ maxLength: 300 }).map((t) => ({ method: 'POST', path: '/alert-ack', form: t, page: true })),
    );
    const callers = [stack.api, designer.api, outsider.api];
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom(0, 1, 2), async (r, who) => {
        const api = callers[who]!;
        let status: number;
        let type: string;
        if ('form' in r) {
          const res = await fetch(`${stack.url}${r.path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `token=${encodeURIComponent(r.form)}`,
          });
          await res.text();
          ({ status } = res);
          type = res.headers.get('content-type') ?? '';
        } else {
          const res = await api.call(r.method, r.path, 'body' in r ? r.body : undefined);
          ({ status } = res);
          type = res.contentType;
        }
        const isPage = 'page' in r;
        if (status >= 500 || (!isPage && status >= 400 && !type.includes('application/problem+json')))
          failures.push(`${r.method} ${r.path} ${'body' in r ? JSON.stringify(r.body) : ''} as ${who}: ${status} ${type}`);
        return true;
      }),
      { numRuns: 300 },
    );
    expect(failures).toEqual([]);
    // The target alert is still there and in a state a sequence of legal moves can reach.
    expect(['firing', 'acknowledged', 'snoozed', 'resolved']).toContain((await stack.api.get(`/api/alerts/${id}`)).body.state);
  });

  it('a message the rate limit held is a step of its own on the timeline, before the message, recorded once', async () => {
    const alertId = await open('held_ctr');
    const since = new Date(now() - 37_000);
    const step = {
      alertId,
      kind: 'escalated' as const,
      runId: 'run-held',
      nodeId: 'escalate',
      at: now(),
      level: 2,
      round: 1,
      channelKind: 'wecom',
      recipients: ['Ops room'],
      sent: 1,
      failed: 0,
      held: [{ reason: 'rate_limit' as const, since: since.toISOString(), until: new Date(now()).toISOString() }],
    };
    // Twice: a retried activity must not put the step, or its hold, on the timeline again.
    for (let i = 0; i < 2; i++) await stack.deps.monitors.recordEvent(step);
    const view = (await stack.api.get(`/api/alerts/${alertId}`)).body;
    expect(view.timeline.map((e: { kind: string }) => e.kind)).toEqual(['fired', 'held', 'escalated']);
    expect(view.timeline[1]).toMatchObject({
      kind: 'held',
      at: since.toISOString(),
      actor: null,
      detail: { reason: 'rate_limit', until: new Date(now()).toISOString(), channelKind: 'wecom', target: 'level 2: Ops room' },
    });
    // A hold that does not read as one (a history from elsewhere) is left off; the step itself is still recorded.
    await stack.deps.monitors.recordEvent({ ...step, level: 3, held: [{ reason: 'rate_limit', since: 'not a time', until: null }] });
    expect(await timeline(alertId)).toEqual(['fired', 'held', 'escalated', 'escalated']);
  });
});
