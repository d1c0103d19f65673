import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from './support/stack.ts';
import { startReceiver } from './support/receiver.ts';
import { edge, fastRetry, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';
import { eq } from 'drizzle-orm';
import { runs } from '../src/db/schema.ts';
import { localActivityOf } from '../src/services/local-activity-marker.ts';

/** The runs list's filters, search and pages; re-run; retry from the failed node as a Temporal reset. */
describe('runs: list filters and search, re-run, retry from the failed node', () => {
  let stack: TestStack;
  let adminId: string;
  const instantFlow = flow([node('start', 'trigger.manual'), node('done', 'control.end')], [edge('start', 'next', 'done')]);

  beforeAll(async () => {
    stack = await startStack('runs-list', { temporalUiUrl: 'http://127.0.0.1:8233' });
    adminId = (await stack.api.get('/api/auth/me')).body.user.id;
  });
  afterAll(async () => stack?.close());

  describe('the list', () => {
    let flowId: string;
    let otherFlowId: string;
    let campaignId: string;
    const started: Record<string, string> = {};

    beforeAll(async () => {
      ({ flowId } = await stack.api.publishFlow('list-me', instantFlow));
      // Version 2 of the same flow, so the version filter has something to tell apart.
      expect((await stack.api.post(`/api/flows/${flowId}/versions`, {})).status).toBe(201);
      ({ flowId: otherFlowId } = await stack.api.publishFlow('list-other', instantFlow));
      campaignId = (await stack.api.post('/api/campaigns', { name: `List campaign ${Date.now()}` })).body.id;
      const start = async (name: string, body: Record<string, unknown>, flow = flowId) => {
        const r = await stack.api.post(`/api/flows/${flow}/runs`, body);
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        started[name] = r.body.id;
        await stack.api.waitForRun(r.body.id);
      };
      await start('v1', { version: 1, input: { sku: 'A-100', note: 'plain' } });
      await start('percent', { input: { sku: 'B-200', note: '100% off_sale' } });
      await start('campaign', { input: { sku: 'C-300', note: '预算 超支' }, campaignId });
      await start('other', { input: { sku: 'D-400' } }, otherFlowId);
    });

    const ids = async (qs: string) => {
      const r = await stack.api.get(`/api/runs?${qs}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (r.body.items as { id: string }[]).map((i) => i.id);
    };

    it('filters by flow, status, campaign and version', async () => {
      expect(await ids(`flowId=${flowId}`)).toEqual([started.campaign, started.percent, started.v1]);
      expect(await ids(`flowId=${flowId}&version=1`)).toEqual([started.v1]);
      expect(await ids(`flowId=${flowId}&version=2`)).toEqual([started.campaign, started.percent]);
      expect(await ids(`campaignId=${campaignId}`)).toEqual([started.campaign]);
      expect(await ids(`flowId=${flowId}&status=completed`)).toHaveLength(3);
      expect(await ids(`flowId=${flowId}&status=failed`)).toEqual([]);
    });

    it('filters by start time: from inclusive, to exclusive', async () => {
      const percent = (await stack.api.get(`/api/runs/${started.percent}`)).body;
      const campaign = (await stack.api.get(`/api/runs/${started.campaign}`)).body;
      const from = encodeURIComponent(percent.startedAt);
      const to = encodeURIComponent(campaign.startedAt);
      expect(await ids(`flowId=${flowId}&startedTo=${to}`)).toEqual([started.percent, started.v1]);
      // The row keeps microseconds; a from at the run's millisecond still includes it.
      expect(await ids(`flowId=${flowId}&startedFrom=${from}`)).toEqual([started.campaign, started.percent]);
      expect(await ids(`flowId=${flowId}&startedFrom=${from}&startedTo=${to}`)).toEqual([started.percent]);
    });

    it("searches the input literally, ignoring case: LIKE's wildcards are plain characters", async () => {
      expect(await ids(`flowId=${flowId}&q=b-200`)).toEqual([started.percent]);
      expect(await ids(`q=${encodeURIComponent('100%')}&flowId=${flowId}`)).toEqual([started.percent]);
      expect(await ids(`q=${encodeURIComponent('off_sale')}&flowId=${flowId}`)).toEqual([started.percent]);
      // As patterns, % and _ would match every run.
      expect(await ids(`q=${encodeURIComponent('%')}&flowId=${flowId}`)).toEqual([started.percent]);
      expect(await ids(`q=${encodeURIComponent('_')}&flowId=${flowId}`)).toEqual([started.percent]);
      expect(await ids(`q=${encodeURIComponent('\\')}&flowId=${flowId}`)).toEqual([]);
      expect(await ids(`q=${encodeURIComponent('预算')}`)).toEqual([started.campaign]);
      expect(await ids(`q=sku&flowId=${otherFlowId}`)).toEqual([started.other]);
      expect(await ids(`q=${encodeURIComponent("' or '1'='1")}`)).toEqual([]);
    });

    it('pages with a cursor, newest first, without repeats or gaps', async () => {
      const all = await ids(`flowId=${flowId}`);
      const seen: string[] = [];
      let cursor: string | null = null as string | null;
      do {
        const r = await stack.api.get(`/api/runs?flowId=${flowId}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status).toBe(200);
        seen.push(...r.body.items.map((i: { id: string }) => i.id));
        cursor = r.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all);
      const bad = await stack.api.get(`/api/runs?cursor=${Buffer.from('["x","y"]').toString('base64url')}`);
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe('query.cursor');
    });

    it('refuses bad values with problem+json naming the field', async () => {
      for (const [qs, field] of [
        ['version=0', 'query.version'],
        ['version=abc', 'query.version'],
        ['status=done', 'query.status'],
        ['startedFrom=yesterday', 'query.startedFrom'],
        ['startedFrom=2026-06-02T00:00:00Z&startedTo=2026-06-01T00:00:00Z', 'query.startedTo'],
        [`q=${'x'.repeat(101)}`, 'query.q'],
        ['q=%20%20', 'query.q'],
        ['campaignId=nope', 'query.campaignId'],
        ['limit=1000', 'query.limit'],
      ]) {
        const r = await stack.api.get(`/api/runs?${qs}`);
        expect(r.status, qs).toBe(400);
        expect(r.contentType, qs).toMatch(/^application\/problem\+json/);
        expect(
          r.body.errors.map((e: { path: string }) => e.path),
          qs,
        ).toContain(field);
      }
    });

    it('property: any query string answers 200 or a 4xx problem naming a query field, never a 5xx', async () => {
      const keys = ['flowId', 'campaignId', 'status', 'version', 'startedFrom', 'startedTo', 'q', 'limit', 'cursor', 'evil'];
      const value = fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.string({ unit: 'grapheme', maxLength: 120 }),
        fc.constantFrom(
          '%',
          '_',
          '\\',
          '%_%\\',
          "'; drop table runs; --",
          '\u0000',
          '\ud800',
          '1e309',
          '-1',
          '0',
          '2147483648',
          '2026-02-30T00:00:00Z',
          '9999-12-31T23:59:59Z',
          '1969-12-31T00:00:00Z',
          'eyJ4Ijp0cnVlfQ',
          'x'.repeat(300),
          'running',
        ),
        fc.uuid(),
        fc.date({ min: new Date('1990-01-01'), max: new Date('2110-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      );
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }), async (query) => {
          const qs = new URLSearchParams(query).toString();
          const res = await stack.api.get(`/api/runs?${qs}`);
          const where = `${qs} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
          expect(res.status, where).toBeLessThan(500);
          if (res.status !== 200) {
            expect(res.status, where).toBeGreaterThanOrEqual(400);
            expect(res.contentType, where).toMatch(/^application\/problem\+json/);
            expect(res.body.errors?.[0]?.path, where).toMatch(/^query(\.|$)/);
          } else expect(res.body.items.length, where).toBeLessThanOrEqual(200);
        }),
        { numRuns: 150, seed: 22 },
      );
    });
  });

  it('re-run: a new run of the same version, input and campaign, linked both ways, in the audit log with who asked', async () => {
    const { flowId } = await stack.api.publishFlow('rerun-me', instantFlow);
    const campaignId = (await stack.api.post('/api/campaigns', { name: `Rerun campaign ${Date.now()}` })).body.id;
    const firstId = await stack.api.startRun(flowId, { sku: 'R-1', n: 3 }, campaignId);
    const first = await stack.api.waitForRun(firstId);
    // A newer version exists by now: the re-run still runs the original's.
    expect((await stack.api.post(`/api/flows/${flowId}/versions`, {})).status).toBe(201);
    const again = await stack.api.post(`/api/runs/${firstId}/rerun`, { reason: 'receiver was down' });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.headers.get('location')).toBe(`/api/runs/${again.body.id}`);
    expect(again.body).toMatchObject({ rerunOf: firstId, version: first.version, campaignId, input: { sku: 'R-1', n: 3 } });
    expect(again.body.temporalUiUrl).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/run-${again.body.id}/${again.body.temporalRunId}/history`,
    );
    expect((await stack.api.waitForRun(again.body.id)).status).toBe('completed');
    const original = (await stack.api.get(`/api/runs/${firstId}`)).body;
    expect(original.reruns).toEqual([expect.objectContaining({ runId: again.body.id, requestedBy: adminId })]);
    const audit = (await stack.api.get(`/api/audit?entityType=run&entityId=${firstId}`)).body.items;
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'run.rerun', actorId: adminId, after: { rerunId: again.body.id, reason: 'receiver was down' } }),
    );
    // Whoever may start runs of the flow may re-run: a viewer may not, and an outsider does not see the run at all.
    const viewer = await stack.user('Vera Viewer', [{ role: 'viewer', department: null }]);
    expect((await viewer.api.post(`/api/runs/${firstId}/rerun`, {})).status).toBe(403);
    expect((await stack.api.post(`/api/runs/${crypto.randomUUID()}/rerun`, {})).status).toBe(404);
    // A completed run is not a failed one: it cannot be retried.
    const refused = await stack.api.post(`/api/runs/${firstId}/retry`, {});
    expect(refused.status).toBe(409);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.body.errors[0]).toMatchObject({ path: 'id', code: 'not_failed' });
  });

  it('retry: a run whose webhook failed (500) resets to that node, completes on the 200, and sends nothing twice', async () => {
    const before = await startReceiver(() => ({ status: 200, body: { ok: true } }));
    // Answers 500 to the run's two attempts, then 200: the retry's attempt.
    const flaky = await startReceiver((_call, i) => (i < 2 ? { status: 500, body: { error: 'busy' } } : { status: 200, body: { ok: 1 } }));
    try {
      const graph = flow(
        [
          node('start', 'trigger.manual'),
          node('first', 'channel.webhook', { url: `${before.url}/first`, body: { step: 'first', sku: '{{ input.sku }}' } }),
          node('bell', 'channel.in_app', { to: adminId, title: 'Retry test {{ input.sku }}' }),
          node('flaky', 'channel.webhook', { url: `${flaky.url}/flaky`, body: { step: 'flaky' }, retry: fastRetry(2) }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'first'), edge('first', 'sent', 'bell'), edge('bell', 'sent', 'flaky'), edge('flaky', 'sent', 'done')],
      );
      const { flowId } = await stack.api.publishFlow('retry-me', graph);
      const runId = await stack.api.startRun(flowId, { sku: 'RT-9' });
      const failed = await stack.api.waitForRun(runId);
      expect(failed.status).toBe('failed');
      expect(failed.state.nodes.flaky).toMatchObject({ status: 'failed' });
      expect(flaky.calls).toHaveLength(2);
      const firstRunId = failed.temporalRunId;
      // The webhooks ran as local activities: one marker per call, under its execution's key, the in-task retries
      // counted in it; and a run started today carries its patches, so it records no patch markers or their upserts.
      const firstHistory = await stack.server.temporal.client.workflow.getHandle(`run-${runId}`, firstRunId).fetchHistory();
      const events = firstHistory.events ?? [];
      expect(
        events.flatMap((e) => {
          const local = localActivityOf(e);
          return local ? [[local.activityType, local.executionKey, local.attempt, local.failure?.message ?? null]] : [];
        }),
      ).toEqual([
        ['sendWebhook', `run-${runId}/first/1`, 1, null],
        ['sendWebhook', `run-${runId}/flaky/1`, 2, expect.stringContaining('HTTP 500')],
      ]);
      expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendWebhook')).toEqual([]);
      expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toEqual([]);
      expect(events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toEqual([]);
      const deliveriesBefore = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body;
      expect(deliveriesBefore.counts).toEqual({ sent: 1 });

      const retried = await stack.api.post(`/api/runs/${runId}/retry`, { reason: 'the receiver is back' });
      expect(retried.status, JSON.stringify(retried.body)).toBe(202);
      // The answer is the row read after the reset: the quick step may have ended by then (seen beside a second suite).
      expect(['running', 'completed']).toContain(retried.body.status);
      expect(retried.body.temporalRunId).not.toBe(firstRunId);
      // A second press, while it runs again or once it has completed, is refused: it is not failed any more.
      expect((await stack.api.post(`/api/runs/${runId}/retry`, {})).status).toBe(409);

      const done = await stack.api.waitForRun(runId);
      expect(done.status, JSON.stringify(done.state)).toBe('completed');
      expect(done.state.nodes.flaky).toMatchObject({ status: 'completed', handle: 'sent', executions: 1 });
      expect(done.state.nodes.done.status).toBe('completed');
      // What completed before the failed node was kept, not repeated: one call, one message.
      expect(before.calls).toHaveLength(1);
      expect(flaky.calls).toHaveLength(3);
      // The same execution, so the same idempotency key on every attempt, the retried one included.
      expect(new Set(flaky.calls.map((c) => c.headers['idempotency-key'])).size).toBe(1);
      const deliveriesAfter = (await stack.api.get(`/api/runs/${runId}/deliveries`)).body;
      expect(deliveriesAfter.counts).toEqual({ sent: 1 });
      expect(deliveriesAfter.items.map((d: { id: string }) => d.id)).toEqual(deliveriesBefore.items.map((d: { id: string }) => d.id));

      // Attempts per node, from the history of the run as it is now: the reset run replays the first two steps.
      const activities = (await stack.api.get(`/api/runs/${runId}/activities`)).body;
      expect(activities.available).toBe(true);
      expect(activities.items.map((a: { nodeId: string; status: string }) => [a.nodeId, a.status])).toEqual([
        ['first', 'completed'],
        ['bell', 'completed'],
        ['flaky', 'completed'],
      ]);
      expect(activities.items[2]).toMatchObject({ activityType: 'sendWebhook', execution: 1, attempts: 1, error: null });
      // Temporal has the failed attempt and the reset run, under the same workflow id.
      const history = await stack.server.temporal.client.workflow.getHandle(`run-${runId}`, firstRunId).describe();
      expect(history.status.name).toBe('FAILED');
      const audit = (await stack.api.get(`/api/audit?entityType=run&entityId=${runId}`)).body.items;
      expect(audit).toContainEqual(
        expect.objectContaining({ action: 'run.retried', actorId: adminId, after: expect.objectContaining({ fromNode: 'flaky' }) }),
      );
      await waitFor('the completed run in the list', async () =>
        (await stack.api.get(`/api/runs?flowId=${flowId}&status=completed`)).body.items.some((r: { id: string }) => r.id === runId),
      );
    } finally {
      await before.close();
      await flaky.close();
    }
  });

  it('retry: a close judged on the failed execution before the reset landed does not close the retried run', async () => {
    const flaky = await startReceiver((_call, i) => (i < 2 ? { status: 500, body: { error: 'busy' } } : { status: 200, body: { ok: 1 } }));
    const handles = stack.server.temporal.client.workflow;
    const getHandle = handles.getHandle;
    try {
      const graph = flow(
        [
          node('start', 'trigger.manual'),
          node('flaky', 'channel.webhook', { url: `${flaky.url}/flaky`, body: { step: 'flaky' }, retry: fastRetry(2) }),
          node('hold', 'control.delay', { duration: '1h' }),
          node('done', 'control.end'),
        ],
        [edge('start', 'next', 'flaky'), edge('flaky', 'sent', 'hold'), edge('hold', 'next', 'done')],
      );
      const { flowId } = await stack.api.publishFlow('retry-stale-close', graph);
      const runId = await stack.api.startRun(flowId);
      const failed = await stack.api.waitForRun(runId);
      expect(failed.status).toBe('failed');
      const [before] = await stack.server.db.db.select().from(runs).where(eq(runs.id, runId));
      expect((await stack.api.post(`/api/runs/${runId}/retry`, {})).status).toBe(202);
      await waitFor('the retried step sent', () => flaky.calls.length === 3);
      // The sync loop's read of the claimed row, described before the reset landed and written after the retry's own
      // write: the interleaving a slow sync on a busy machine makes. Temporal is asked about the failed execution, by
      // this refresh only: the server's own sync loop, ticking meanwhile, must see the retried run as it is.
      const stale = new AsyncLocalStorage<true>();
      handles.getHandle = ((id: string, temporalRunId?: string) =>
        getHandle.call(handles, id, temporalRunId ?? (stale.getStore() ? before!.temporalRunId! : undefined))) as typeof getHandle;
      await stale.run(true, () => stack.server.app.runs.refresh({ ...before!, status: 'running', endedAt: null }));
      handles.getHandle = getHandle;
      const [after] = await stack.server.db.db.select().from(runs).where(eq(runs.id, runId));
      expect(after).toMatchObject({ status: 'running' });
      expect(after!.temporalRunId).not.toBe(before!.temporalRunId);
      expect((await stack.api.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
      expect((await stack.api.waitForRun(runId)).status).toBe('cancelled');
    } finally {
      handles.getHandle = getHandle;
      await flaky.close();
    }
  });

  it('retry refuses a run that failed without calling out, with a reason', async () => {
    const graph = flow(
      [node('start', 'trigger.manual'), node('stop', 'control.end', { status: 'failed', reason: 'on purpose' })],
      [edge('start', 'next', 'stop')],
    );
    const { flowId } = await stack.api.publishFlow('fails-by-itself', graph);
    const runId = await stack.api.startRun(flowId);
    expect((await stack.api.waitForRun(runId)).status).toBe('failed');
    const r = await stack.api.post(`/api/runs/${runId}/retry`, {});
    expect(r.status).toBe(409);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body.errors[0]).toMatchObject({ path: 'id', code: 'no_failed_node' });
    expect((await stack.api.get(`/api/runs/${runId}`)).body.status).toBe('failed');
  });
});
