import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { openSse, type SseStream } from './support/sse.ts';
import { waitFor } from './support/wait-for.ts';
import { gatheredRunChanges, RunChangeFeed } from '../src/services/run-changes.ts';
import type { Database } from '../src/db/client.ts';

/** The run view's push channel on the real stack: PostgreSQL LISTEN/NOTIFY, Temporal Updates, the worker in process. */
describe('GET /api/runs/:id/events', () => {
  let stack: TestStack;
  let designer: Awaited<ReturnType<TestStack['user']>>;
  let approver: Awaited<ReturnType<TestStack['user']>>;
  let stranger: Awaited<ReturnType<TestStack['user']>>;
  let flowId: string;
  const open: SseStream[] = [];

  beforeAll(async () => {
    // No heartbeat within a test's life: every change a stream shows here arrived by a wake-up.
    stack = await startStack('run-events', { runStreams: { perUser: 2, total: 4, heartbeatMs: 3_600_000 } });
    designer = await stack.user('Dana Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    approver = await stack.user('Ava Approver', [{ role: 'approver', department: 'Marketing' }], { department: 'Marketing' });
    stranger = await stack.user('Sam Elsewhere', [{ role: 'designer', department: 'Elsewhere' }], { department: 'Elsewhere' });
    const graph = flow(
      [
        node('start', 'trigger.manual'),
        node('ask', 'approval.request', { title: 'Launch', approvers: [{ kind: 'user', user: approver.email }], mode: 'any' }),
        node('yes', 'control.end', { status: 'completed', reason: 'approved' }),
        node('no', 'control.end', { status: 'completed', reason: 'rejected' }),
        node('late', 'control.end', { status: 'completed', reason: 'timed out' }),
      ],
      [edge('start', 'next', 'ask'), edge('ask', 'approved', 'yes'), edge('ask', 'rejected', 'no'), edge('ask', 'timed_out', 'late')],
    );
    ({ flowId } = await designer.api.publishFlow('run events', graph));
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await stack?.close();
  });

  const stream = async (runId: string, who = designer) => {
    const s = await openSse(`${stack.url}/api/runs/${runId}/events`, who.api.token!);
    open.push(s);
    return s;
  };
  const waitingRun = async () => {
    const runId = await designer.api.startRun(flowId, {});
    await designer.api.waitForNode(runId, 'ask', 'running');
    return runId;
  };
  const taskOf = (runId: string) =>
    waitFor(`the task of run ${runId}`, async () =>
      (await approver.api.get('/api/approvals')).body.items.find((t: { runId: string }) => t.runId === runId),
    );

  /** Hang-ups reach the server on its own time: this waits until it has given every place back. */
  const allReleased = () => waitFor('every stream place given back', () => stack.server.app.runStreams.openCount === 0);

  it('bounds streams in total (429), and a run that ends closes its streams', async () => {
    const runId = await waitingRun();
    const four = [await stream(runId), await stream(runId), await stream(runId, approver), await stream(runId, approver)];
    expect(four.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    const admin = await stack.api.get(`/api/runs/${runId}/events`);
    expect(admin.status).toBe(429);
    expect(admin.contentType).toMatch(/^application\/problem\+json/);
    expect(admin.body.detail).toMatch(/server/);
    expect((await stack.api.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
    for (const s of four) expect((await s.next('the end', (e) => e.event === 'end')).data.status).toBe('cancelled');
    await allReleased();
  });

  it('sends the run as it is, then the decided approval, then the end, unbuffered', async () => {
    const runId = await waitingRun();
    const task = await taskOf(runId);
    const events = await stream(runId);
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(events.headers.get('x-accel-buffering')).toBe('no');
    expect(events.headers.get('cache-control')).toContain('no-transform');
    expect(events.headers.get('content-encoding')).toBeNull();
    const first = await events.next('the first state');
    expect(first.event).toBe('run');
    expect(first.data, String(first.data.reason)).toMatchObject({ id: runId, status: 'running' });
    expect(first.data.state.nodes.ask.status).toBe('running');
    expect(first.data.graph).toBeUndefined();

    const decided = await approver.api.post(`/api/approvals/${encodeURIComponent(task.taskId)}/decision`, { decision: 'approve' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const after = await events.next('the decision', (e) => e.event === 'run' && e.data.state?.nodes?.ask?.status === 'completed');
    expect(after.data.state.nodes.ask).toMatchObject({ handle: 'approved' });
    expect(after.data.state.nodes.ask.detail.votes[0]).toMatchObject({ name: 'Ava Approver', decision: 'approve' });
    const end = await events.next('the end', (e) => e.event === 'end');
    expect(end.data).toEqual({ status: 'completed' });
  });

  it('the worker gathers activity ends: several at once leave as one statement, and each run is woken once', async () => {
    const { db, pool } = stack.server.db;
    const feed = new RunChangeFeed((pool as unknown as { options: { connectionString: string } }).options.connectionString);
    const woken: string[] = [];
    feed.watch('run-gathered-a', () => woken.push('a'));
    feed.watch('run-gathered-b', () => woken.push('b'));
    await feed.ensureListening();
    woken.length = 0; // the feed's own re-read once it listens
    let statements = 0;
    const counted = { execute: (q: Parameters<Database['execute']>[0]) => (statements++, db.execute(q)) } as unknown as Database;
    const announce = gatheredRunChanges(counted);
    announce('run-gathered-a');
    announce('run-gathered-b');
    announce('run-gathered-a');
    await waitFor('both runs woken', () => woken.length >= 2);
    expect(woken.sort()).toEqual(['a', 'b']);
    expect(statements).toBe(1);
    await feed.close();
  });

  it('a change with no activity (a delay that ends, the next wait that starts) reaches the stream by a wake-up', async () => {
    const { flowId: timers } = await designer.api.publishFlow(
      'timer only',
      flow(
        [
          node('start', 'trigger.manual'),
          node('short', 'control.delay', { duration: '2s' }),
          node('long', 'control.delay', { duration: '1h' }),
          node('end', 'control.end'),
        ],
        [edge('start', 'next', 'short'), edge('short', 'next', 'long'), edge('long', 'next', 'end')],
      ),
    );
    const runId = await designer.api.startRun(timers, {});
    const events = await stream(runId);
    const moved = await events.next(
      'the short delay over and the long one waiting',
      (e) => e.event === 'run' && e.data.state?.nodes?.short?.status === 'completed' && e.data.state?.nodes?.long?.status === 'running',
    );
    expect(moved.data.status).toBe('running');
    expect((await stack.api.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
    expect((await events.next('the end', (e) => e.event === 'end')).data.status).toBe('cancelled');
  });

  it('an ended run: its state and the end, then the stream closes', async () => {
    const runId = await waitingRun();
    expect((await stack.api.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
    await designer.api.waitForRun(runId);
    const events = await stream(runId);
    expect((await events.next('the state')).data.status).toBe('cancelled');
    expect((await events.next('the end')).event).toBe('end');
  });

  it('is 404 for a stranger and 401 without a caller, as problem+json before any stream', async () => {
    const runId = await waitingRun();
    const refused = await stranger.api.get(`/api/runs/${runId}/events`);
    expect(refused.status).toBe(404);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    const anonymous = await fetch(`${stack.url}/api/runs/${runId}/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    await stack.api.post(`/api/runs/${runId}/cancel`);
  });

  it('bounds streams per person (429) and gives the place back when the client hangs up', async () => {
    const runId = await waitingRun();
    const a = await stream(runId);
    const b = await stream(runId);
    await Promise.all([a.next('a open'), b.next('b open')]);
    const third = await designer.api.get(`/api/runs/${runId}/events`);
    expect(third.status).toBe(429);
    expect(third.contentType).toMatch(/^application\/problem\+json/);
    expect(third.body.title).toBe('Too many streams');
    // Someone else still has places of their own.
    const other = await stream(runId, approver);
    expect(other.status).toBe(200);
    a.close();
    await waitFor('the hang-up noticed', () => stack.server.app.runStreams.openCount === 2);
    const again = await stream(runId);
    expect(again.status).toBe(200);
    expect((await again.next('the state')).data.id).toBe(runId);
    await stack.api.post(`/api/runs/${runId}/cancel`);
    await allReleased();
  });

  it('never answers a made-up id with a 5xx: 400 naming params.id, or 404 (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.uuid(), fc.constantFrom('..', '%00', '../../etc/passwd')), async (id) => {
        const res = await designer.api.get(`/api/runs/${encodeURIComponent(id)}/events`);
        expect(res.status, `${id}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
        expect([400, 404]).toContain(res.status);
        expect(res.contentType).toMatch(/^application\/problem\+json/);
        if (res.status === 400) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('params.id');
      }),
      { numRuns: 60 },
    );
  });
});
