import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_LIMITS } from '@flightdeck/workflows';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { waitFor } from './support/wait-for.ts';

const scenario = (file: string) => fileURLToPath(new URL(`../seed/${file}`, import.meta.url));
const CSV = readFileSync(scenario('s618-new-product-launch.metrics.csv'), 'utf8');
const SCENARIO = JSON.parse(readFileSync(scenario('s618-new-product-launch.campaign.json'), 'utf8'));
const DAY = 86_400_000;

type User = Awaited<ReturnType<TestStack['user']>>;

/**
 * The review node's lesson tasks for real: the review stored from the 618 figures, the owner's lesson task in
 * GET /api/tasks pre-filled from it, completed with a lesson, the run going on by `next`, and the lesson shown
 * to the next campaign on the same channel.
 */
describe('campaign.review lesson tasks (real PostgreSQL + Temporal)', () => {
  let stack: TestStack;
  let owner: User;
  let campaignId: string;

  beforeAll(async () => {
    stack = await startStack('reviewlessons');
    owner = await stack.user('Evan Zhou', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
    const imported = await owner.api.post('/api/campaigns/import', SCENARIO);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    campaignId = imported.body.id;
    expect(imported.body.ownerId).toBe(owner.id);
    const metrics = stack.server.app.metrics;
    const lines = CSV.trim().split('\n');
    const size = Math.min(10_000, INGEST_LIMITS.points);
    for (let i = 1; i < lines.length; i += size)
      await metrics.ingest(campaignId, metrics.checkCsv([lines[0], ...lines.slice(i, i + size)].join('\n') + '\n'));
    // Controlled time: the campaign ended ten days ago, so its review (after 48 h of settling) is due at once.
    const phases = (await owner.api.get(`/api/campaigns/${campaignId}`)).body.phases as {
      name: string;
      startsAt: string;
      endsAt: string;
    }[];
    const shift = Date.now() - 10 * DAY - Date.parse(phases.at(-1)!.endsAt);
    const moved = phases.map((p) => ({
      ...p,
      startsAt: new Date(Date.parse(p.startsAt) + shift).toISOString(),
      endsAt: new Date(Date.parse(p.endsAt) + shift).toISOString(),
    }));
    expect((await owner.api.put(`/api/campaigns/${campaignId}/phases`, { phases: moved })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the owner sees the lesson task pre-filled from the review, records a lesson, the run goes on; a new campaign sees it', async () => {
    const { flowId } = await owner.api.publishFlow(
      'Review and lessons',
      flow(
        [
          node('start', 'trigger.manual'),
          node('review', 'campaign.review', { lessons: { owner: true, due: '7d', remindEvery: '2d' } }),
          node('done', 'control.end', { status: 'completed', reason: 'lessons in' }),
          node('late', 'control.end', { status: 'completed', reason: 'lessons overdue' }),
        ],
        [edge('start', 'next', 'review'), edge('review', 'next', 'done'), edge('review', 'timed_out', 'late')],
      ),
    );
    const runId = await owner.api.startRun(flowId, {}, campaignId);
    const task = await waitFor('the lesson task in the owner’s list', async () =>
      (await owner.api.get('/api/tasks')).body.items.find((t: { runId: string }) => t.runId === runId),
    );
    // The review was stored before the task opened; its missed goals and overspent line are the task's hints.
    const reviews = (await owner.api.get(`/api/campaigns/${campaignId}/reviews`)).body.versions;
    expect(reviews).toHaveLength(1);
    const review = (await owner.api.get(`/api/campaigns/${campaignId}/review?version=${reviews[0].version}`)).body;
    expect(review.stored).toMatchObject({ trigger: 'flow', runId });
    const missed = review.attainment
      .filter((g: { met: boolean | null }) => g.met === false)
      .sort((a: { rate: number }, b: { rate: number }) => a.rate - b.rate);
    expect(missed.map((g: { kpi: string }) => g.kpi)).toContain('cpa');
    expect(review.highlights.overspentLines.map((l: { channel: string }) => l.channel)).toEqual(['douyin_ads']);
    const cpa = missed.find((g: { kpi: string }) => g.kpi === 'cpa');
    const cpaOff = Math.round((Math.abs(cpa.actual - cpa.target) / cpa.target) * 100);
    expect(task).toMatchObject({
      kind: 'lesson',
      status: 'open',
      title: `Lessons from ${SCENARIO.name}`,
      hints: { kpi: missed[0].kpi, channel: 'douyin_ads', outcome: 'mixed' },
      campaign: { id: campaignId },
      assignee: { kind: 'user' },
    });
    expect(task.assignee.user.name).toBe('Evan Zhou');
    expect(task.instructions).toContain(`CPA missed by ${cpaOff} % on douyin_ads`);
    // Due a week after the review was stored (on the workflow's clock, from the moment the task opened).
    expect(Date.parse(task.dueAt) - Date.parse(review.stored.computedAt)).toBeGreaterThanOrEqual(7 * DAY);

    const form = {
      fact: '抖音投放 CPA 高于目标',
      cause: '爆发期竞价过高，预算超支',
      insight: 'Douyin bids must be capped before the burst phase',
      action: 'Cap douyin_ads bids and move 10 % of the budget to xhs_kol for the next launch',
    };
    const done = await owner.api.post(`/api/tasks/${task.id}/complete`, form);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const lessonId = done.body.result.lessonId;
    expect(lessonId).toMatch(/^[0-9a-f-]{36}$/);
    const lesson = (await owner.api.get(`/api/lessons/${lessonId}`)).body;
    expect(lesson).toMatchObject({ ...form, kpi: missed[0].kpi, channel: 'douyin_ads', outcome: 'mixed', campaignId });

    const run = await owner.api.waitForRun(runId);
    expect(run.status, JSON.stringify(run.state?.nodes.review)).toBe('completed');
    expect(run.state.nodes.review).toMatchObject({
      handle: 'next',
      output: {
        lessons: [lessonId],
        version: review.stored.version,
        lessonTasks: { status: 'done', tasks: [{ id: task.id, status: 'done' }] },
      },
    });
    expect(run.state.nodes.done.status).toBe('completed');
    expect(run.state.nodes.late.status).toBe('skipped');

    // The next campaign on the same channel is shown the lesson when it is planned.
    const next = await owner.api.post('/api/campaigns', {
      name: 'Double 11 on Douyin',
      departmentId: await stack.departmentId('E-commerce'),
      channels: [{ name: 'douyin_ads' }],
    });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    const related = await owner.api.get(`/api/lessons/related?campaignId=${next.body.id}`);
    expect(related.status, JSON.stringify(related.body)).toBe(200);
    expect(related.body.lessons.map((l: { id: string }) => l.id)).toContain(lessonId);
    const past = related.body.campaigns.find((c: { id: string }) => c.id === campaignId);
    expect(past.sharedChannels).toContain('douyin_ads');
  });

  it('nobody records a lesson by the due time: the task closes as timed out and the run takes timed_out', async () => {
    const { flowId } = await owner.api.publishFlow(
      'Review, lessons overdue',
      flow(
        [
          node('start', 'trigger.manual'),
          node('review', 'campaign.review', { lessons: { due: '2s' } }),
          node('done', 'control.end', { status: 'completed', reason: 'lessons in' }),
          node('late', 'control.end', { status: 'completed', reason: 'lessons overdue' }),
        ],
        [edge('start', 'next', 'review'), edge('review', 'next', 'done'), edge('review', 'timed_out', 'late')],
      ),
    );
    const runId = await owner.api.startRun(flowId, {}, campaignId);
    const run = await owner.api.waitForRun(runId);
    expect(run.state.nodes.review).toMatchObject({ handle: 'timed_out', output: { lessons: [], lessonTasks: { status: 'timed_out' } } });
    expect(run.state.nodes.late.status).toBe('completed');
    const taskId = run.state.nodes.review.output.lessonTasks.tasks[0].id;
    expect((await owner.api.get(`/api/tasks/${taskId}`)).body).toMatchObject({ status: 'timed_out', kind: 'lesson' });
    expect((await owner.api.post(`/api/tasks/${taskId}/complete`, { fact: 'f', cause: 'c', insight: 'i', action: 'a' })).status).toBe(409);
  });
});
