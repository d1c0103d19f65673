/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startStack, TEST_PASSWORD, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

/**
 * The Lessons page and the "Lessons from past campaigns" panel in headless Chromium, on the real API
 * and PostgreSQL: a search for 预算 lists the lesson with the word marked, in Chinese; a new campaign
 * on the same channel shows that lesson and the earlier campaign, and so does the flow editor's side panel.
 */
describe('lessons in the editor', () => {
  let stack: TestStack;
  let browser: Browser;
  let analyst: Awaited<ReturnType<TestStack['user']>>;
  let lessonId = '';
  let englishId = '';
  let earlierId = '';
  let newId = '';

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e-lessons', { worker: false });
    const ops = await stack.departmentId('Ops');
    analyst = await stack.user('Ana Analyst', [{ role: 'analyst', department: 'Ops' }], { department: 'Ops' });
    const earlier = await stack.api.post('/api/campaigns', { name: '618 launch', departmentId: ops, channels: [{ name: 'douyin_ads' }] });
    earlierId = earlier.body.id;
    const lesson = await stack.api.post('/api/lessons', {
      campaignId: earlierId,
      fact: '抖音投放预算在爆发期超支了 18%。',
      cause: '没有设置日预算上限。',
      insight: '大促流量更贵。',
      action: '下次设置日预算上限和超支告警。',
      channel: 'douyin_ads',
      kpi: 'cpa',
      outcome: 'missed',
    });
    expect(lesson.status, JSON.stringify(lesson.body)).toBe(201);
    lessonId = lesson.body.id;
    const english = await stack.api.post('/api/lessons', {
      departmentId: ops,
      fact: 'Search campaigns converted best.',
      cause: 'Shoppers searched by name.',
      insight: 'Search captures demand.',
      action: 'Keep search budgets for the burst.',
      channel: 'tmall_search',
    });
    englishId = english.body.id;
    const made = await stack.api.post('/api/campaigns', { name: 'Double 11', departmentId: ops, channels: [{ name: 'douyin_ads' }] });
    newId = made.body.id;
    expect((await analyst.api.put('/api/me/preferences', { locale: 'zh-CN' })).status).toBe(200);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('searching 预算 lists the lesson with the word highlighted; the campaign page shows it as a past lesson', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await p.goto(`${stack.url}/#/signin`);
      await p.getByTestId('signin-email').fill(analyst.email);
      await p.getByTestId('signin-password').fill(TEST_PASSWORD);
      await p.getByTestId('signin-submit').click();
      await p.getByTestId('signout').waitFor();

      await p.getByTestId('nav-lessons').click();
      // Both lessons before a search, newest first.
      await p.getByTestId(`lesson-${englishId}`).waitFor();
      await p.getByTestId('lessons-q').fill('预算');
      await p.getByTestId('lessons-search').click();
      await expect
        .poll(() => p.evaluate(() => location.hash), { timeout: SAFETY_NET_MS })
        .toBe(`#/lessons?q=${encodeURIComponent('预算')}`);
      const card = p.getByTestId(`lesson-${lessonId}`);
      await card.waitFor();
      await expect.poll(() => p.getByTestId(`lesson-${englishId}`).count(), { timeout: SAFETY_NET_MS }).toBe(0);
      expect(await card.getByTestId('lesson-fact').locator('mark').allInnerTexts()).toEqual(['预算']);
      expect(await card.getByTestId('lesson-fact').innerText()).toBe('抖音投放预算在爆发期超支了 18%。');
      expect(await card.getByTestId('lesson-action').locator('mark').allInnerTexts()).toEqual(['预算']);
      // Chinese labels: the analyst's saved language.
      expect(await card.innerText()).toContain('事实');
      expect(await card.getByTestId('lesson-outcome').innerText()).toBe('未达成');
      expect(await p.getByTestId('lessons-count').innerText()).toContain('1');
      await p.screenshot({ path: `${SHOTS}lessons.png`, fullPage: true });

      // An English word finds its lesson by stem, and the inflected form is the one marked.
      await p.getByTestId('lessons-q').fill('budget');
      await p.getByTestId('lessons-search').click();
      await p.getByTestId(`lesson-${englishId}`).waitFor();
      expect(await p.getByTestId(`lesson-${englishId}`).getByTestId('lesson-action').locator('mark').allInnerTexts()).toEqual(['budgets']);

      // Recording one by hand; 达人 (which the segmenter cuts in two) then finds it, marked.
      await p.getByTestId('lesson-record').click();
      const dialog = p.getByTestId('lesson-dialog');
      await dialog.getByTestId('lesson-campaign').selectOption(earlierId);
      await dialog.getByTestId('lesson-input-fact').fill('小红书达人种草带来的新客最多。');
      await dialog.getByTestId('lesson-input-cause').fill('选择了腰部达人。');
      await dialog.getByTestId('lesson-input-insight').fill('腰部达人性价比高。');
      await dialog.getByTestId('lesson-input-action').fill('扩大合作名单。');
      await dialog.getByTestId('lesson-submit').click();
      await expect.poll(() => dialog.count(), { timeout: SAFETY_NET_MS }).toBe(0);
      await p.getByTestId('lessons-q').fill('达人');
      await p.getByTestId('lessons-search').click();
      const recorded = p.locator('[data-testid^="lesson-"][lang="zh-CN"]', { hasText: '小红书' });
      await recorded.waitFor();
      expect(await recorded.getByTestId('lesson-fact').locator('mark').allInnerTexts()).toEqual(['达人']);
      const stored = await stack.api.get(`/api/lessons?q=${encodeURIComponent('达人')}`);
      expect(stored.body.items).toMatchObject([{ campaignId: earlierId, authorId: analyst.id, fact: '小红书达人种草带来的新客最多。' }]);

      // The new campaign on the same channel: the past lesson and the earlier campaign.
      await p.goto(`${stack.url}/#/campaigns/${newId}`);
      const panel = p.getByTestId('related-lessons');
      await panel.getByTestId(`lesson-${lessonId}`).waitFor();
      expect(await panel.getByTestId(`comparable-${earlierId}`).innerText()).toContain('618 launch');

      // Drawing a flow: the side panel offers the newest campaign's lessons, and another campaign's on request.
      await p.goto(`${stack.url}/#/flows/new`);
      const side = p.getByTestId('flow-related-lessons');
      await side.getByTestId(`lesson-${lessonId}`).waitFor();
      expect(await p.getByTestId('flow-lessons-campaign').inputValue()).toBe(newId);
      await p.getByTestId('flow-lessons-campaign').selectOption(earlierId);
      // The 618 launch's own lesson is not "from a past campaign" for it; Double 11 is its comparable campaign.
      await side.getByTestId(`comparable-${newId}`).waitFor();
      expect(await side.getByTestId(`lesson-${lessonId}`).count()).toBe(0);
    } finally {
      await ctx.close();
    }
  });
});
