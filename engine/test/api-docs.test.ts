import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NODE_TYPES } from '@flightdeck/workflows';
import { waitFor } from './support/wait-for.ts';
import { startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, flow, node } from './support/flows.ts';
import { problemSchema } from '../src/api/contracts/index.ts';
import { responseDrift } from '../src/api/response-check.ts';
import type { RouteRegistry } from '../src/api/route.ts';
import { signStandardWebhook } from '../src/services/hooks.ts';
import { inboundHookContract } from '../src/api/routes/hooks.ts';
import { FIRST_ADMIN_EMAIL } from '../src/seed/first-admin.ts';
import { CSRF_HEADER } from '../src/api/authenticate.ts';

describe('the drift check itself', () => {
  const schema = z.object({ id: z.string(), tags: z.array(z.object({ name: z.string() })), note: z.string().default('') });

  it('passes what fits, and names what zod refuses, what it would drop and what it would fill in', () => {
    expect(responseDrift(schema, { id: 'a', tags: [{ name: 'x' }], note: '' })).toEqual([]);
    expect(responseDrift(schema, { id: 1, tags: [], note: '' })).toEqual(['id: Invalid input: expected string, received number']);
    expect(responseDrift(schema, { id: 'a', tags: [{ name: 'x', colour: 'red' }], note: '', extra: true })).toEqual([
      'extra: sent, but not in the schema',
      'tags.0.colour: sent, but not in the schema',
    ]);
    expect(responseDrift(schema, { id: 'a', tags: [] })).toEqual(['note: not sent, but the schema fills it in']);
    // What the client receives: a Date arrives as a string, an undefined field not at all.
    expect(responseDrift(z.object({ at: z.string(), gone: z.string().optional() }), { at: new Date(0), gone: undefined })).toEqual([]);
  });
});

/**
 * Every route, called for real, answers what its contract says. The stack also checks every answer
 * on the server (checkResponses), in every test; this file adds the proof that no route is left out,
 * checks the hand-mounted hook endpoint, and that refusals are problem+json.
 */
describe('catalogue, OpenAPI, health, and every route against its contract', () => {
  let stack: TestStack;
  let registry: RouteRegistry;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const answered = new Set<string>();

  /** The registered route a request reached: static segments win over parameters (/api/campaigns/import). */
  const routeOf = (method: string, path: string) =>
    registry
      .filter((r) => r.method === method.toLowerCase() && new RegExp(`^${r.path.replace(/:[A-Za-z_]+/g, '[^/]+')}$`).test(path))
      .sort((a, b) => (a.path.match(/:/g)?.length ?? 0) - (b.path.match(/:/g)?.length ?? 0))[0];

  /** Calls the API and holds the answer to the route's declared responses. */
  async function call(
    who: { token?: string; cookie?: string; csrf?: string },
    method: string,
    path: string,
    body?: unknown,
    init: { raw?: string; headers?: Record<string, string> } = {},
  ) {
    const res = await fetch(stack.url + path, {
      method,
      headers: {
        ...(body !== undefined || init.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(who.token ? { authorization: `Bearer ${who.token}` } : {}),
        ...(who.cookie ? { cookie: who.cookie } : {}),
        ...(who.csrf ? { [CSRF_HEADER]: who.csrf } : {}),
        ...init.headers,
      },
      body: init.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    // A PDF answers bytes, which its contract checks as they are; a CSV export text, checked by a string schema.
    const pdf = res.headers.get('content-type') === 'application/pdf';
    const bytes = pdf ? new Uint8Array(await res.arrayBuffer()) : undefined;
    const text = pdf ? '' : await res.text();
    const textual = /^text\/(csv|event-stream)/.test(res.headers.get('content-type') ?? '');
    const json = pdf ? bytes : textual ? text : text ? JSON.parse(text) : undefined;
    const route = routeOf(method, path.split('?')[0]!);
    expect(route, `${method} ${path} reached no registered route`).toBeDefined();
    const where = `${method} ${route!.path} answered ${res.status}: ${text.slice(0, 300)}`;
    const declared = route!.responses.find((r) => r.status === res.status);
    // Successes, and the few failures that answer with a document of their own (an unhealthy /healthz).
    if (res.status < 300 || (declared?.schema && declared.schema !== problemSchema)) {
      expect(declared, `${where}, a status it does not declare`).toBeDefined();
      if (declared!.schema && pdf) expect(declared!.schema.safeParse(bytes).success, where).toBe(true);
      else if (declared!.schema) expect(responseDrift(declared!.schema, json), where).toEqual([]);
      else expect(json, where).toBeUndefined();
      if (res.status < 300) answered.add(`${route!.method} ${route!.path}`);
    } else {
      // A 5xx here is a bug (a contract drift shows up as one, from the server's own check), unless the route declares it.
      if (res.status >= 500)
        expect(
          route!.responses.map((r) => r.status),
          where,
        ).toContain(res.status);
      expect(res.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
      expect(problemSchema.safeParse(json).success, where).toBe(true);
    }
    return { status: res.status, body: json, headers: res.headers };
  }

  let admin: { token: string };
  const as = (who: { token?: string; cookie?: string; csrf?: string }) => ({
    get: (path: string) => call(who, 'GET', path),
    post: (path: string, body: unknown = {}) => call(who, 'POST', path, body),
    put: (path: string, body: unknown) => call(who, 'PUT', path, body),
    patch: (path: string, body: unknown) => call(who, 'PATCH', path, body),
    del: (path: string) => call(who, 'DELETE', path),
  });
  const api = () => as(admin);

  /** Polls, as the editor does, until `poll` says yes; the shared safety net only bounds a hung run, never a busy one. */
  const until = <T>(what: string, poll: () => Promise<T | undefined>) => waitFor(what, poll) as Promise<T>;
  const runEnded = (id: string) =>
    until(`run ${id} ending`, async () => ((await api().get(`/api/runs/${id}`)).body.status !== 'running' ? true : undefined));

  beforeAll(async () => {
    stack = await startStack('docs');
    // The documented routes, and the hook endpoint, which has a contract but is mounted by hand.
    registry = [...stack.server.app.registry, inboundHookContract];
    admin = { token: stack.api.token! };
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  it('GET /api/node-types serves every type with a JSON Schema of its config', async () => {
    const res = await api().get('/api/node-types');
    expect(res.status).toBe(200);
    expect(res.body.items.map((t: { type: string }) => t.type)).toEqual(NODE_TYPES.map((d) => d.type));
    const webhook = res.body.items.find((t: { type: string }) => t.type === 'channel.webhook');
    expect(webhook.handles).toEqual(['sent', 'failed']);
    expect(webhook.configSchema).toMatchObject({
      type: 'object',
      properties: { url: { type: 'string' }, method: { enum: ['POST', 'PUT', 'PATCH'] } },
      required: ['url'],
    });
    expect(webhook.text['zh-CN'].title).toBe('Webhook 调用');
  });

  it('GET /api/openapi.json is OpenAPI 3.1 covering every route, with a schema for every answer that has a body', async () => {
    const res = await api().get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(
      doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>,
    ).flatMap((p) => Object.values(p));
    expect(operations).toHaveLength(registry.length);
    for (const route of registry) {
      const op = doc.paths[route.path.replace(/:([A-Za-z_]+)/g, '{$1}')]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      for (const [status, answer] of Object.entries(op.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>)) {
        if (status === '204') expect(answer.content, `${route.method} ${route.path} 204`).toBeUndefined();
        else expect(Object.values(answer.content ?? {})[0]?.schema, `${route.method} ${route.path} ${status}`).toBeDefined();
      }
    }
    const create = doc.paths['/api/flows'].post;
    expect(create.requestBody.content['application/json'].schema.required).toContain('name');
    expect(create.responses['422'].content['application/problem+json']).toBeDefined();
    const ingestOp = doc.paths['/api/campaigns/{id}/metrics'].post;
    expect(Object.keys(ingestOp.requestBody.content)).toEqual(['application/json', 'text/csv']);
    expect(ingestOp.description).toMatch(/stored whole or not at all/);
    expect(Object.keys(doc.paths['/api/campaigns/{id}/review.csv'].get.responses['200'].content)).toEqual(['text/csv; charset=utf-8']);
    // The signed hook endpoint: its overload answer says when to retry.
    const hook = doc.paths['/api/hooks/{id}'].post;
    expect(hook.responses['202'].content['application/json'].schema).toBeDefined();
    expect(hook.responses['503'].content['application/problem+json']).toBeDefined();
    expect(hook.description).toMatch(/Retry-After/);
    expect(doc.components.schemas.StoredCampaignReview).toBeDefined();
    expect(doc.components.schemas.ReviewComparison).toBeDefined();
    // A 503 from /healthz is the health document, not a problem.
    expect(Object.keys(doc.paths['/healthz'].get.responses['503'].content)).toEqual(['application/json']);
    expect(doc.paths['/api/runs/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    // Every $ref resolves inside the document.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
  });

  it('GET /healthz names the state of PostgreSQL and Temporal', async () => {
    const res = await api().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', postgres: { ok: true }, temporal: { ok: true, namespace: 'default' } });
  });

  it('flows, versions, templates, schedules and the hook endpoint', async () => {
    const graph = flow([node('start', 'trigger.manual'), node('done', 'control.end')], [edge('start', 'next', 'done')]);
    // A draft as a script might send it: no positions, no configs, no schemaVersion.
    const bare = {
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'done', type: 'control.end' },
      ],
      edges: graph.edges,
    };
    const created = await api().post('/api/flows', { name: 'Contract flow', graph: bare });
    expect(created.status).toBe(201);
    expect(created.body.graph).toEqual(bare);
    const id = created.body.id;
    expect((await api().get('/api/flows')).body.items.some((f: { id: string }) => f.id === id)).toBe(true);
    expect((await api().put(`/api/flows/${id}`, { description: 'checked against its contract' })).status).toBe(200);
    expect((await api().get(`/api/flows/${id}`)).body.description).toBe('checked against its contract');
    expect((await api().post(`/api/flows/${id}/versions`, { note: 'first' })).status).toBe(201);
    expect((await api().get(`/api/flows/${id}/versions`)).body.items).toHaveLength(1);
    expect((await api().get(`/api/flows/${id}/versions/1/diff/1`)).body.diff.nodes.changed).toEqual([]);
    expect((await api().post(`/api/flows/${id}/versions/1/rollback`)).body.note).toBe('Rolled back to v1');
    expect((await api().get(`/api/flows/${id}/schedule`)).body).toEqual({ schedule: null });

    const templates = await api().get('/api/templates');
    expect(templates.body.items.length).toBeGreaterThan(0);
    expect((await api().post(`/api/templates/${templates.body.items[0].id}/flows`, { name: 'From a template' })).status).toBe(201);

    const scheduled = await api().post('/api/flows', {
      name: 'Weekday report',
      graph: flow(
        [
          node('tick', 'trigger.schedule', { cron: '0 9 * * 1-5', timezone: 'Asia/Shanghai', overlap: 'buffer_one', catchupWindow: '10m' }),
          node('done', 'control.end'),
        ],
        [edge('tick', 'next', 'done')],
      ),
    });
    await api().post(`/api/flows/${scheduled.body.id}/versions`, {});
    const schedule = (await api().get(`/api/flows/${scheduled.body.id}/schedule`)).body.schedule;
    expect(schedule).toMatchObject({
      overlap: 'buffer_one',
      catchupWindowMs: 600_000,
      cron: '0 9 * * 1-5',
      timezone: 'Asia/Shanghai',
      paused: false,
    });
    expect(schedule.nextRuns).toHaveLength(5);
    expect((await api().post(`/api/flows/${scheduled.body.id}/unpublish`)).body).toEqual({ scheduleRemoved: true });

    const hooked = await api().post('/api/flows', {
      name: 'On event',
      graph: flow([node('event', 'trigger.webhook'), node('done', 'control.end')], [edge('event', 'next', 'done')]),
    });
    await api().post(`/api/flows/${hooked.body.id}/versions`, {});
    const { secret } = (await api().post(`/api/flows/${hooked.body.id}/hook-secret`)).body;
    const raw = JSON.stringify({ order: 'A-1' });
    const ts = Math.floor(Date.now() / 1000);
    const signed = {
      'webhook-id': 'evt_contract',
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook(secret, 'evt_contract', ts, raw),
    };
    const accepted = await call({}, 'POST', `/api/hooks/${hooked.body.id}`, undefined, { raw, headers: signed });
    expect(accepted.status).toBe(202);
    expect((await call({}, 'POST', `/api/hooks/${hooked.body.id}`, undefined, { raw, headers: signed })).body).toMatchObject({
      runId: accepted.body.runId,
      duplicate: true,
    });
    await runEnded(accepted.body.runId);
  });

  it('campaigns, runs, approvals, channels, deliveries and notifications', async () => {
    const ava = await stack.user('Ava Approver', [{ role: 'approver', department: 'Docs' }], { department: 'Docs' });
    const avaApi = as({ token: ava.api.token! });
    const adminId = (await api().get('/api/auth/me')).body.user.id;

    const imported = await api().post(
      '/api/campaigns/import',
      JSON.parse(readFileSync(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url), 'utf8')),
    );
    expect(imported.status).toBe(201);
    expect(Object.keys(imported.body.extra).length).toBeGreaterThan(0);

    // Metrics go in with an ingest-scope token (JSON or CSV) and come out with a read token, raw or per hour.
    const people = stack.server.app.people;
    const adminActor = await people.actorFor((await people.userByEmail(FIRST_ADMIN_EMAIL))!, 'system');
    const ingest = { token: (await people.createApiToken(adminActor, 'ingest', { scopes: ['ingest'] })).token };
    const metricsPath = `/api/campaigns/${imported.body.slug}/metrics`;
    const pushed = await as(ingest).post(metricsPath, {
      points: [{ ts: '2026-05-20T00:00:00+08:00', channel: 'douyin_ads', metric: 'clicks', value: 479.02, dimensions: { creative: 'a' } }],
    });
    expect(pushed.body).toEqual({ accepted: 1, replaced: 0, rejected: 0 });
    const csv = 'ts,channel,metric,value\n2026-05-20T01:00:00Z,douyin_ads,spend,624.56\n';
    const csvPushed = await call(ingest, 'POST', metricsPath, undefined, { raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(csvPushed.body).toEqual({ accepted: 1, replaced: 0, rejected: 0 });
    const refused = await call(ingest, 'POST', metricsPath, undefined, {
      raw: 'ts,channel,metric,value\nx,y,z,w\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(refused.status).toBe(422);
    expect((await api().get(metricsPath)).body.items).toHaveLength(2);
    expect((await api().get(`${metricsPath}?bucket=1h&metric=spend`)).body.items).toEqual([
      { ts: '2026-05-20T01:00:00.000Z', channel: 'douyin_ads', metric: 'spend', value: 624.56 },
    ]);
    // The review (复盘) of what those points say, as JSON and as CSV.
    const review = await api().get(`/api/campaigns/${imported.body.slug}/review`);
    expect(review.body).toMatchObject({ format: 1, noData: false });
    expect(review.body.budget.lines.find((l: { channel: string }) => l.channel === 'douyin_ads').actual).toBe(624.56);
    const reviewCsv = await api().get(`/api/campaigns/${imported.body.id}/review.csv`);
    expect(reviewCsv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(reviewCsv.body).toMatch(/^section,scope,metric,actual,target,rate,status\r\n/);
    // And printed: engine/test/review-node.test.ts reads the PDF's text.
    const reviewPdf = await api().get(`/api/campaigns/${imported.body.id}/review.pdf?lang=zh-CN`);
    expect(reviewPdf.status).toBe(200);
    expect(reviewPdf.headers.get('content-type')).toBe('application/pdf');
    // The portfolio row those points make, as JSON and CSV, and the campaign against past ones (none has ended).
    const portfolio = await api().get('/api/portfolio?sort=attainment&channel=douyin_ads');
    expect(portfolio.body.items.find((r: { id: string }) => r.id === imported.body.id).spent).toBe(624.56);
    expect((await api().get('/api/portfolio.csv?order=asc')).body).toMatch(/^name,department,status,/);
    expect((await api().get(`/api/campaigns/${imported.body.id}/comparison`)).body.campaign.id).toBe(imported.body.id);
    // Lessons from it, searched in Chinese, and what a new plan on the same channel draws from them.
    const lesson = await api().post('/api/lessons', {
      campaignId: imported.body.id,
      fact: '抖音预算在爆发期超支。',
      cause: '没有日预算上限。',
      insight: '大促流量更贵。',
      action: '设置日预算上限。',
      channel: 'douyin_ads',
      kpi: 'cpa',
      outcome: 'missed',
    });
    expect(lesson.status).toBe(201);
    const lessonPath = `/api/lessons/${lesson.body.id}`;
    const found = await api().get(`/api/lessons?q=${encodeURIComponent('预算')}&channel=douyin_ads`);
    expect(found.body.items.map((l: { id: string }) => l.id)).toEqual([lesson.body.id]);
    expect((await api().get(lessonPath)).body.lang).toBe('zh-CN');
    expect((await api().patch(lessonPath, { outcome: 'mixed' })).body.outcome).toBe('mixed');
    expect((await api().put(`${lessonPath}/shared`, { shared: true })).body.shared).toBe(true);
    const related = await api().get('/api/lessons/related?channels=douyin_ads');
    expect(related.body.lessons.map((l: { id: string }) => l.id)).toEqual([lesson.body.id]);
    expect(related.body.campaigns.map((c: { id: string }) => c.id)).toEqual([imported.body.id]);
    expect((await api().del(lessonPath)).status).toBe(204);
    expect(review.body.stored).toMatchObject({ version: 1, trigger: 'first_read' });
    const recomputed = await api().post(`/api/campaigns/${imported.body.id}/review`, {});
    expect(recomputed.body.stored).toMatchObject({ version: 2, trigger: 'person' });
    expect(
      (await api().get(`/api/campaigns/${imported.body.id}/reviews`)).body.versions.map((v: { version: number }) => v.version),
    ).toEqual([2, 1]);
    expect((await api().get(`/api/campaigns/${imported.body.id}/reviews/compare?from=1&to=2`)).body.changed).toEqual([]);
    const campaign = await api().post('/api/campaigns', {
      name: 'Contract campaign',
      phases: [{ name: 'warm_up', startsAt: '2026-05-20T00:00:00+08:00', endsAt: '2026-05-31T00:00:00+08:00' }],
    });
    expect(campaign.status).toBe(201);
    const cid = campaign.body.id;
    expect((await api().get('/api/campaigns')).body.items.length).toBeGreaterThanOrEqual(2);
    expect((await api().get(`/api/campaigns/${cid}`)).body.name).toBe('Contract campaign');
    const phases = [{ name: 'warm_up', startsAt: '2026-05-20T00:00:00+08:00', endsAt: '2026-05-31T00:00:00+08:00' }];
    expect(
      (
        await api().put(`/api/campaigns/${cid}`, {
          name: 'Contract campaign',
          phases,
          budget: { total: 1000, lines: [{ channel: 'sms', amount: 400 }] },
        })
      ).body.notifiedRuns,
    ).toBe(0);
    expect(
      (
        await api().put(`/api/campaigns/${cid}/phases`, {
          phases: [{ name: 'warm_up', startsAt: '2026-05-21T00:00:00+08:00', endsAt: '2026-06-01T00:00:00+08:00' }],
        })
      ).status,
    ).toBe(200);
    expect((await api().post(`/api/campaigns/${cid}/status`, { status: 'pending_approval' })).body.status).toBe('pending_approval');

    const connection = await api().post('/api/connections', {
      kind: 'webhook',
      name: 'Receiver',
      settings: { rateLimit: '600/1m' },
      secrets: { url: `${receiver.url}/hook`, secret: 'whsec_dGVzdHNlY3JldA==' },
    });
    expect(connection.status).toBe(201);
    const conn = connection.body.id;
    expect((await api().get('/api/connections')).body.items).toHaveLength(1);
    expect((await api().get(`/api/connections/${conn}`)).body.secretFields.sort()).toEqual(['secret', 'url']);
    expect((await api().put(`/api/connections/${conn}`, { name: 'Receiver (renamed)' })).body.name).toBe('Receiver (renamed)');
    expect((await api().post(`/api/connections/${conn}/test`, { text: 'ping' })).body).toMatchObject({ ok: true, status: 200 });
    expect((await api().post(`/api/connections/${conn}/pause`, { reason: 'checking' })).body).toMatchObject({
      paused: true,
      pausedReason: 'checking',
    });
    expect((await api().post(`/api/connections/${conn}/resume`, {})).body).toMatchObject({ paused: false, resumedRuns: 0 });

    // A run against the campaign: a message, a notification under the bell, then an approval it waits on.
    const launch = await api().post('/api/flows', {
      name: 'Announce and approve',
      graph: flow(
        [
          node('start', 'trigger.manual'),
          node('announce', 'channel.send', { connection: conn, text: 'Hello {{ campaign.name }}' }),
          node('bell', 'channel.in_app', { to: adminId, title: '{{ campaign.name }} announced' }),
          node('ask', 'approval.request', {
            title: 'Approve {{ campaign.name }}',
            approvers: [{ kind: 'user', user: ava.email }],
            mode: 'any',
          }),
          node('done', 'control.end'),
          node('no', 'control.end', { status: 'completed', reason: 'not approved' }),
        ],
        [
          edge('start', 'next', 'announce'),
          edge('announce', 'sent', 'bell'),
          edge('bell', 'sent', 'ask'),
          edge('ask', 'approved', 'done'),
          edge('ask', 'rejected', 'no'),
          edge('ask', 'timed_out', 'no'),
        ],
      ),
    });
    expect((await api().post(`/api/flows/${launch.body.id}/versions`, {})).status).toBe(201);
    const run = await api().post(`/api/flows/${launch.body.id}/runs`, { campaignId: cid, input: { why: 'contract' } });
    expect(run.status).toBe(201);
    const task = await until('the approval in the inbox', async () =>
      (await avaApi.get('/api/approvals')).body.items.find((t: { runId: string }) => t.runId === run.body.id),
    );
    expect(task.campaign.id).toBe(cid);
    // While it waits, the run's state carries the approval's detail.
    expect((await api().get(`/api/runs/${run.body.id}`)).body.state.nodes.ask.detail.eligible[0].email).toBe(ava.email);
    expect((await avaApi.get(`/api/approvals/${encodeURIComponent(task.taskId)}`)).body.taskId).toBe(task.taskId);
    expect(
      (await avaApi.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve', comment: 'fine' })).body.task
        .status,
    ).toBe('approved');
    await runEnded(run.body.id);
    expect((await avaApi.get('/api/approvals?status=closed')).body.items.some((t: { taskId: string }) => t.taskId === task.taskId)).toBe(
      true,
    );

    expect((await api().get(`/api/runs?campaignId=${cid}`)).body.items.map((r: { id: string }) => r.id)).toEqual([run.body.id]);
    expect((await api().get(`/api/runs/${run.body.id}`)).body.state.nodes.done.status).toBe('completed');
    // An ended run's stream is its last state and `end`, then closed, so the whole answer can be read.
    const events = (await api().get(`/api/runs/${run.body.id}/events`)).body as string;
    expect(events).toMatch(/^event: run\ndata: \{.*"status":"completed"/m);
    expect(events).toContain('event: end\ndata: {"status":"completed"}');
    const deliveries = (await api().get(`/api/runs/${run.body.id}/deliveries`)).body;
    expect(deliveries.counts).toEqual({ sent: 2 });
    // What a worker killed mid-send leaves behind: the ledger cannot say whether the message went out.
    const announced = deliveries.items.find((d: { nodeId: string | null }) => d.nodeId === 'announce');
    await stack.server.db.pool.query(`update deliveries set status = 'unconfirmed' where id = $1`, [announced.id]);
    expect((await api().post(`/api/deliveries/${announced.id}/resend`, {})).status).toBe(201);
    const bell = (await api().get('/api/notifications')).body;
    expect(bell.items[0]).toMatchObject({ title: 'Contract campaign announced', readAt: null });
    expect((await api().post('/api/notifications/read', { ids: [bell.items[0].id] })).body.unread).toBe(bell.unread - 1);
    expect((await api().post('/api/notifications/read', { all: true })).body).toEqual({ unread: 0 });

    const waiting = await api().post('/api/flows', {
      name: 'Waits',
      graph: flow(
        [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '1h' }), node('done', 'control.end')],
        [edge('start', 'next', 'wait'), edge('wait', 'next', 'done')],
      ),
    });
    await api().post(`/api/flows/${waiting.body.id}/versions`, {});
    const long = await api().post(`/api/flows/${waiting.body.id}/runs`, {});
    expect((await api().post(`/api/runs/${long.body.id}/cancel`)).status).toBe(202);
    await runEnded(long.body.id);
    expect((await api().get(`/api/runs?flowId=${waiting.body.id}`)).body.items[0].status).toBe('cancelled');
    const repeated = await api().post(`/api/runs/${long.body.id}/rerun`, { reason: 'contract' });
    expect(repeated.status).toBe(201);
    expect((await api().post(`/api/runs/${repeated.body.id}/cancel`)).status).toBe(202);
    await runEnded(repeated.body.id);

    // A run failing at its webhook (nothing listens on port 9), retried from that node: it fails there again.
    const failing = await api().post('/api/flows', {
      name: 'Fails at its webhook',
      graph: flow(
        [
          node('start', 'trigger.manual'),
          node('call', 'channel.webhook', { url: 'http://127.0.0.1:9/nothing', retry: { maximumAttempts: 1 } }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'call'), edge('call', 'sent', 'done')],
      ),
    });
    await api().post(`/api/flows/${failing.body.id}/versions`, {});
    const broken = await api().post(`/api/flows/${failing.body.id}/runs`, {});
    await runEnded(broken.body.id);
    expect((await api().post(`/api/runs/${broken.body.id}/retry`, {})).status).toBe(202);
    await runEnded(broken.body.id);
    const calls = (await api().get(`/api/runs/${broken.body.id}/activities`)).body;
    expect(calls.items).toContainEqual(
      expect.objectContaining({ activityType: 'sendWebhook', nodeId: 'call', status: 'failed', attempts: 1 }),
    );

    // A lesson task for Ava: her list, the task, and completing it with the lesson form.
    const asks = await api().post('/api/flows', {
      name: 'Lesson task',
      graph: flow(
        [
          node('start', 'trigger.manual'),
          node('work', 'human.task', { title: 'Record a lesson', kind: 'lesson', assignees: [{ kind: 'user', user: ava.email }] }),
          node('done', 'control.end'),
          node('late', 'control.end'),
        ],
        [edge('start', 'next', 'work'), edge('work', 'done', 'done'), edge('work', 'timed_out', 'late')],
      ),
    });
    await api().post(`/api/flows/${asks.body.id}/versions`, {});
    const asked = await api().post(`/api/flows/${asks.body.id}/runs`, {});
    const work = await until('the work task in the list', async () =>
      (await avaApi.get('/api/tasks')).body.items.find((t: { runId: string }) => t.runId === asked.body.id),
    );
    expect((await avaApi.get(`/api/tasks/${work.id}`)).body.kind).toBe('lesson');
    const recorded = await avaApi.post(`/api/tasks/${work.id}/complete`, { fact: 'f', cause: 'c', insight: 'i', action: 'a', kpi: 'roi' });
    expect(recorded.body.result.lessonId).toBeTruthy();
    await runEnded(asked.body.id);

    expect((await api().del(`/api/connections/${conn}`)).status).toBe(204);
  });

  it('people, grants, departments, the audit log, preferences, sessions and tokens', async () => {
    const dept = await api().post('/api/departments', { name: 'Contracts' });
    expect(dept.status).toBe(201);
    expect((await api().get('/api/departments')).body.items.some((d: { id: string }) => d.id === dept.body.id)).toBe(true);
    const user = await api().post('/api/users', {
      email: 'cleo@test.flightdeck',
      name: 'Cleo',
      password: 'long enough password',
      departmentId: dept.body.id,
      phone: '+8613800000000',
    });
    expect(user.status).toBe(201);
    const grant = await api().post(`/api/users/${user.body.id}/grants`, {
      role: 'viewer',
      departmentId: dept.body.id,
      expiresAt: '2099-01-01T00:00:00Z',
    });
    expect(grant.status).toBe(201);
    const listed = (await api().get('/api/users')).body.items.find((u: { id: string }) => u.id === user.body.id);
    expect(listed).toMatchObject({ phone: '+861****0000', grants: [{ role: 'viewer', departmentId: dept.body.id }] });
    expect((await api().del(`/api/grants/${grant.body.id}`)).status).toBe(204);
    expect((await api().get('/api/audit?limit=20')).body.items.length).toBeGreaterThan(0);
    expect((await api().put('/api/me/preferences', { locale: 'zh-CN' })).body.locale).toBe('zh-CN');

    // Tokens are managed from a session only.
    const login = await call({}, 'POST', '/api/auth/login', { email: FIRST_ADMIN_EMAIL, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const session = as({ cookie: login.headers.get('set-cookie')!.split(';')[0]!, csrf: login.body.csrfToken });
    expect((await session.get('/api/auth/me')).body.csrfToken).toBe(login.body.csrfToken);
    const token = await session.post('/api/me/tokens', { name: 'contract script', scopes: ['read'] });
    expect(token.status).toBe(201);
    expect((await session.get('/api/me/tokens')).body.items.some((t: { id: string }) => t.id === token.body.id)).toBe(true);
    expect((await session.get(`/api/tokens?userId=${token.body.userId}`)).body.items.length).toBeGreaterThanOrEqual(2);
    expect((await session.del(`/api/me/tokens/${token.body.id}`)).status).toBe(204);
    const other = await session.post('/api/me/tokens', { name: 'revoked by an administrator' });
    expect((await session.del(`/api/tokens/${other.body.id}`)).status).toBe(204);
    expect((await session.post('/api/auth/logout')).status).toBe(204);
    // A refusal is a problem document too.
    expect((await session.get('/api/auth/me')).status).toBe(401);
  });

  it('alerts, their timeline and actions, and silences', async () => {
    const campaign = await api().post('/api/campaigns', { name: 'Alerting campaign' });
    const transition = (channel: string) => ({
      ruleId: 'ctr_low',
      channel,
      from: 'pending' as const,
      to: 'firing' as const,
      at: '2026-06-18T02:00:00.000Z',
      value: 0.01,
      threshold: 0.015,
      severity: 'warning' as const,
      unit: 'ratio' as const,
    });
    const db = stack.server.db.db;
    const changes = await db.transaction((tx) =>
      stack.server.app.alerts.applyTransitions(tx, {
        campaignId: campaign.body.id,
        nodeId: 'watch',
        transitions: [transition('tmall'), transition('jd')],
        receivedAt: new Date(),
      }),
    );
    const [first, second] = changes.map((c) => c.alertId);
    const page = (await api().get(`/api/alerts?campaignId=${campaign.body.id}&limit=1`)).body;
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    expect((await api().get(`/api/alerts/${first}`)).body.timeline[0].kind).toBe('fired');
    expect((await api().post(`/api/alerts/${first}/ack`)).body.state).toBe('acknowledged');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect((await api().post(`/api/alerts/${second}/snooze`, { until })).body.state).toBe('snoozed');
    expect((await api().post(`/api/alerts/${first}/resolve`)).body.state).toBe('resolved');
    const many = (await api().post('/api/alerts/ack', { ids: [first, second] })).body.results;
    expect(many.map((r: { outcome: string }) => r.outcome)).toEqual(['already_resolved', 'acknowledged']);
    const silence = await api().post('/api/silences', { campaignId: campaign.body.id, endsAt: until, comment: 'maintenance' });
    expect(silence.status).toBe(201);
    expect((await api().get(`/api/silences?campaignId=${campaign.body.id}`)).body.items).toHaveLength(1);
    expect((await api().del(`/api/silences/${silence.body.id}`)).status).toBe(204);
  });

  it('every route has answered a real call, with a body that fits its contract', () => {
    const missing = registry.map((r) => `${r.method} ${r.path}`).filter((r) => !answered.has(r));
    expect(missing).toEqual([]);
  });
});
