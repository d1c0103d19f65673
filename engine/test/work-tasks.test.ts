import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';

type User = Awaited<ReturnType<TestStack['user']>>;

/** Work tasks for real: a flow's human.task in PostgreSQL, completed through the API, the run woken by its signal. */
describe('work tasks', () => {
  let stack: TestStack;
  let designer: User;
  let ava: User;
  let olive: User;
  let analyst: User;
  let stranger: User;
  let campaignId: string;

  beforeAll(async () => {
    stack = await startStack('work-tasks');
    designer = await stack.user('Dana Designer', [{ role: 'designer', department: 'Marketing' }], { department: 'Marketing' });
    ava = await stack.user('Ava Assignee', [{ role: 'approver', department: 'Marketing' }], { department: 'Marketing' });
    olive = await stack.user('Olive Owner', [{ role: 'viewer', department: 'Marketing' }], { department: 'Marketing' });
    analyst = await stack.user('Ann Analyst', [{ role: 'analyst', department: 'Marketing' }], { department: 'Marketing' });
    stranger = await stack.user('Sam Stranger', [{ role: 'analyst', department: 'Elsewhere' }], { department: 'Elsewhere' });
    const made = await stack.api.post('/api/campaigns', {
      name: 'Spring sale',
      departmentId: await stack.departmentId('Marketing'),
      ownerId: olive.id,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    campaignId = made.body.id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const taskFlow = (config: Record<string, unknown>) =>
    flow(
      [
        node('start', 'trigger.manual'),
        node('work', 'human.task', { title: 'Optimisation review: {{ input.name }}', ...config }),
        node('ok', 'control.end', { status: 'completed', reason: 'done' }),
        node('late', 'control.end', { status: 'completed', reason: 'timed out' }),
      ],
      [edge('start', 'next', 'work'), edge('work', 'done', 'ok'), edge('work', 'timed_out', 'late')],
    );

  let flows = 0;
  async function start(config: Record<string, unknown>, name: string, campaign?: string) {
    const { flowId } = await designer.api.publishFlow(`tasks ${name} ${++flows}`, taskFlow(config));
    return designer.api.startRun(flowId, { name }, campaign);
  }
  /** The run's open task, once it is in the assignee's list. */
  const taskOf = (runId: string, who: User) =>
    waitFor(`the task of run ${runId} in ${who.email}'s list`, async () =>
      (await who.api.get('/api/tasks')).body.items.find((t: { runId: string }) => t.runId === runId),
    );

  it('done: the assignee completes it through the API and the run takes "done"; others cannot', async () => {
    const runId = await start({ assignees: [{ kind: 'user', user: ava.email }], due: '1h', remindEvery: '30m' }, 'alpha');
    const task = await taskOf(runId, ava);
    expect(task).toMatchObject({ kind: 'task', title: 'Optimisation review: alpha', status: 'open', assignee: { kind: 'user' } });
    expect(task.assignee.user.name).toBe('Ava Assignee');
    // Told under the bell when it opened.
    await waitFor('the in-app notice', async () =>
      (await ava.api.get('/api/notifications')).body.items.find(
        (n: { title: string }) => n.title === 'New task: Optimisation review: alpha',
      ),
    );
    const path = `/api/tasks/${task.id}/complete`;
    // Someone who may not read the run learns nothing: the 404 of a made-up id.
    const hidden = await stranger.api.post(path, { note: 'mine now' });
    expect(hidden.status).toBe(404);
    expect(hidden.contentType).toMatch(/problem\+json/);
    expect((await stranger.api.get(`/api/tasks/${task.id}`)).status).toBe(404);
    const madeUp = await stranger.api.post('/api/tasks/00000000-0000-4000-8000-000000000000/complete', { note: 'x' });
    expect(madeUp.status).toBe(404);
    expect(hidden.body.detail).toBe(madeUp.body.detail);
    // The designer may read the run, but the task is not theirs.
    expect((await designer.api.get(`/api/tasks/${task.id}`)).status).toBe(200);
    expect((await designer.api.post(path, { note: 'x' })).status).toBe(403);
    // A plain task takes no lesson fields.
    const wrong = await ava.api.post(path, { fact: 'x' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0].path).toBe('fact');

    const done = await ava.api.post(path, { note: 'Moved budget to the live stream' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', result: { note: 'Moved budget to the live stream' }, completedBy: { id: ava.id } });
    const twice = await ava.api.post(path, { note: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0].path).toBe('id');

    const run = await designer.api.waitForRun(runId);
    expect(run.state.nodes.work).toMatchObject({ status: 'completed', handle: 'done' });
    expect(run.state.nodes.work.output.tasks[0]).toMatchObject({ status: 'done', completedBy: ava.id });
    expect(run.state.nodes.ok.status).toBe('completed');
    expect((await ava.api.get('/api/tasks?status=done')).body.items.map((t: { id: string }) => t.id)).toContain(task.id);
    expect((await ava.api.get('/api/tasks')).body.items.map((t: { id: string }) => t.id)).not.toContain(task.id);
  });

  it("a lesson task for the campaign owner records a lesson that search finds, with the node's hints", async () => {
    const runId = await start(
      { owner: true, kind: 'lesson', kpi: 'roi', channel: 'douyin_ads', due: '1h', instructions: 'What did {{ input.name }} teach us?' },
      'lesson',
      campaignId,
    );
    const task = await taskOf(runId, olive);
    expect(task).toMatchObject({
      kind: 'lesson',
      instructions: 'What did lesson teach us?',
      hints: { kpi: 'roi', channel: 'douyin_ads' },
      campaign: { id: campaignId, name: 'Spring sale' },
    });
    expect((await olive.api.get(`/api/tasks?campaignId=${campaignId}`)).body.items.map((t: { id: string }) => t.id)).toContain(task.id);
    const path = `/api/tasks/${task.id}/complete`;
    const missing = await olive.api.post(path, { fact: '直播间转化率低于预期', cause: '预算分配过晚', insight: '' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['action', 'insight']);
    const form = {
      fact: '直播间转化率低于预期',
      cause: '达人预算分配过晚',
      insight: '预算要在预热期前锁定',
      action: 'Lock influencer budget two weeks before warm-up',
      outcome: 'missed',
    };
    const done = await olive.api.post(path, form);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const lessonId = done.body.result.lessonId;
    expect(lessonId).toMatch(/^[0-9a-f-]{36}$/);
    const lesson = await olive.api.get(`/api/lessons/${lessonId}`);
    expect(lesson.body).toMatchObject({ ...form, kpi: 'roi', channel: 'douyin_ads', campaignId, authorId: olive.id });
    const found = await stack.api.get(`/api/lessons?q=${encodeURIComponent('预算')}&campaignId=${campaignId}`);
    expect(found.body.items.map((l: { id: string }) => l.id)).toContain(lessonId);
    const run = await designer.api.waitForRun(runId);
    expect(run.state.nodes.work).toMatchObject({ handle: 'done', output: { lessons: [lessonId] } });
  });

  it('a role task belongs to whoever holds the role there; at the due time it closes as timed_out', async () => {
    const runId = await start({ assignees: [{ kind: 'role', role: 'analyst', department: 'Marketing' }], due: '2s' }, 'role');
    const task = await taskOf(runId, analyst);
    expect(task.assignee).toMatchObject({ kind: 'role', role: 'analyst', department: { name: 'Marketing' } });
    // An analyst elsewhere holds the role, not in this department.
    expect((await stranger.api.get('/api/tasks')).body.items.some((t: { id: string }) => t.id === task.id)).toBe(false);
    expect((await stranger.api.post(`/api/tasks/${task.id}/complete`, {})).status).toBe(404);
    const run = await designer.api.waitForRun(runId);
    expect(run.state.nodes.work).toMatchObject({ handle: 'timed_out' });
    expect(run.state.nodes.late.status).toBe('completed');
    expect((await analyst.api.get(`/api/tasks/${task.id}`)).body.status).toBe('timed_out');
    const late = await analyst.api.post(`/api/tasks/${task.id}/complete`, {});
    expect(late.status).toBe(409);
  });

  it('cancelling the run cancels its open task, which then leaves the list and cannot be completed', async () => {
    const runId = await start({ assignees: [{ kind: 'user', user: ava.email }], due: '1d' }, 'cancel');
    const task = await taskOf(runId, ava);
    expect((await designer.api.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
    expect((await designer.api.waitForRun(runId)).status).toBe('cancelled');
    expect((await ava.api.get(`/api/tasks/${task.id}`)).body.status).toBe('cancelled');
    expect((await ava.api.get('/api/tasks')).body.items.map((t: { id: string }) => t.id)).not.toContain(task.id);
    expect((await ava.api.post(`/api/tasks/${task.id}/complete`, {})).status).toBe(409);
  });

  it('property: no body, id or caller gets a 5xx from POST /api/tasks/:id/complete', async () => {
    const runId = await start({ owner: true, kind: 'lesson', due: '1h' }, 'fuzz', campaignId);
    const task = await taskOf(runId, olive);
    const text = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ minLength: 4000, maxLength: 4100 }), fc.constant('\u0000'));
    const field = fc.oneof(text, fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }));
    const body = fc.oneof(
      fc.record(
        { fact: field, cause: field, insight: field, action: field, kpi: field, channel: field, outcome: field, note: field },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
      fc.dictionary(fc.string({ maxLength: 10 }), field, { maxKeys: 4 }),
    );
    const id = fc.oneof(fc.constant(task.id), fc.uuid(), fc.string({ maxLength: 40 }).map(encodeURIComponent));
    const who = fc.constantFrom(olive, ava, stranger, designer);
    await fc.assert(
      fc.asyncProperty(id, body, who, async (taskId, b, caller) => {
        const res = await caller.api.post(`/api/tasks/${taskId || 'x'}/complete`, b);
        expect(res.status, JSON.stringify({ taskId, b, res: res.body })).toBeLessThan(500);
        if (res.status >= 400) expect(res.contentType).toMatch(/problem\+json/);
      }),
      { numRuns: 80 },
    );
  });
});
