/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { edge, flow, node } from './support/flows.ts';
import { SAFETY_NET_MS, waitFor } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

/**
 * A lesson task in the inbox, in headless Chromium on the real API, PostgreSQL and Temporal: the assignee sees it
 * beside the approvals with its campaign and due time, a missing field is named under that field, and the
 * completed form records the lesson and lets the run go on its "done" path.
 */
describe('work tasks in the inbox', () => {
  let stack: TestStack;
  let browser: Browser;
  let owner: Awaited<ReturnType<TestStack['user']>>;
  let runId = '';

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e-tasks');
    const ops = await stack.departmentId('Ops');
    owner = await stack.user('Olga Owner', [{ role: 'analyst', department: 'Ops' }], { department: 'Ops' });
    const campaign = await stack.api.post('/api/campaigns', { name: 'Double 11', departmentId: ops, ownerId: owner.id });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const { flowId } = await stack.api.publishFlow(
      'Review lessons',
      flow(
        [
          node('start', 'trigger.manual'),
          node('review', 'human.task', {
            title: '复盘经验：{{ campaign.name }}',
            instructions: '记录本次活动的一条经验。',
            kind: 'lesson',
            owner: true,
            kpi: 'cpa',
            due: '2d',
          }),
          node('done', 'control.end'),
          node('late', 'control.end'),
        ],
        [edge('start', 'next', 'review'), edge('review', 'done', 'done'), edge('review', 'timed_out', 'late')],
      ),
    );
    runId = await stack.api.startRun(flowId, {}, campaign.body.id);
    await waitFor('the task in the owner’s list', async () => (await owner.api.get('/api/tasks')).body.items.length === 1 || undefined);
    expect((await owner.api.put('/api/me/preferences', { locale: 'zh-CN' })).status).toBe(200);
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('the owner records the lesson from the inbox; a missing field is named; the run takes "done"', async () => {
    const ctx = await browser.newContext({ viewport: { width: 420, height: 900 }, locale: 'zh-CN' });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, owner.email);
      await p.getByTestId('nav-inbox').click();

      const card = p.getByTestId('work-task-review');
      await card.waitFor();
      expect(await card.innerText()).toContain('复盘经验：Double 11');
      expect(await card.innerText()).toContain('记录经验');
      expect(await card.getByTestId('work-task-campaign').innerText()).toBe('Double 11');
      expect(await card.getByTestId('work-task-kpi').inputValue()).toBe('cpa');

      // The browser's own check is bypassed so that the server's refusal, naming the field, is what shows.
      await card.getByTestId('work-task-form-review').evaluate((f) => f.setAttribute('novalidate', ''));
      await card.getByTestId('work-task-fact').fill('双十一当天 CPA 比目标高 25%。');
      await card.getByTestId('work-task-cause').fill('晚间竞价过于激进。');
      await card.getByTestId('work-task-insight').fill('高峰时段要分时出价。');
      await card.getByTestId('work-task-submit-review').click();
      await card.locator('[role="alert"]').first().waitFor();
      expect(await card.getByTestId('work-task-action').getAttribute('aria-invalid')).toBe('true');

      await card.getByTestId('work-task-action').fill('下次按小时设置出价上限。');
      await card.getByTestId('work-task-outcome').selectOption('missed');
      await p.screenshot({ path: `${SHOTS}work-task.png`, fullPage: true });
      await card.getByTestId('work-task-submit-review').click();
      await expect.poll(() => card.count(), { timeout: SAFETY_NET_MS }).toBe(0);
    } finally {
      await ctx.close();
    }
    const run = await stack.api.waitForRun(runId);
    expect(run.state.nodes.review).toMatchObject({ handle: 'done' });
    const [lessonId] = run.state.nodes.review.output.lessons;
    const lesson = await owner.api.get(`/api/lessons/${lessonId}`);
    expect(lesson.body).toMatchObject({ kpi: 'cpa', outcome: 'missed', action: '下次按小时设置出价上限。', lang: 'zh-CN' });
  });
});
