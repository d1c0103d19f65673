/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { scenarioIngest, scenarioRows } from './support/crisis-flow.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const SHOTS = process.env.FD_SHOTS_DIR || fileURLToPath(new URL('../../test-results/', import.meta.url));
const SCENARIO_CSV = fileURLToPath(new URL('../seed/s618-new-product-launch.metrics.csv', import.meta.url));
const SCENARIO = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));

/**
 * The editor's what-if in headless Chromium: the "Crisis response" template, simulated in the
 * browser against the uploaded 618 scenario file, shows the negative-mentions alert and its
 * escalation in the summary and the timeline, and the scrubber lights the nodes reached by then.
 * Nothing reaches the server but the page itself: the run is the browser's own.
 */
describe('what-if simulation in the editor', () => {
  let stack: TestStack;
  let browser: Browser;
  let designer: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e-whatif', { worker: false });
    designer = await stack.user('Dee Designer', [{ role: 'designer', department: 'Ops' }], { department: 'Ops' });
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('simulates the Crisis response template against the 618 file: an alert, its escalation, the path on the canvas', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    const apiCalls: string[] = [];
    p.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) apiCalls.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    try {
      await signIn(p, stack.url, designer.email);
      await p.goto(`${stack.url}/#/flows`);
      await p.getByTestId('new-flow').click();
      await p.getByTestId('new-flow-template-crisis-response').check();
      await p.getByTestId('new-flow-create').click();
      await p.getByTestId('node-escalate').waitFor();

      await p.getByTestId('simulate-flow').click();
      const panel = p.getByTestId('whatif-panel');
      await panel.waitFor();
      await p.getByTestId('whatif-file').setInputFiles(SCENARIO_CSV);
      await panel.getByText('s618-new-product-launch.metrics.csv').waitFor();
      const before = apiCalls.length;
      await p.getByTestId('whatif-run').click();
      const summary = p.getByTestId('whatif-summary');
      await summary.waitFor();
      // The 618 file's negative-mentions spike (hours 494–506): one alert, escalated past the first level.
      // Nobody acknowledges in a what-if, so the alert is told again at each 4 h repeat while it fires, as in production.
      expect(await summary.innerText()).toMatch(
        /^1 alert, told again 3 times while unacknowledged, 4 escalations to level 2, \d+ escalations? to level 3, \d+ messages$/,
      );
      const timeline = p.getByTestId('whatif-timeline');
      // The alert when it opened and at its three repeats, each starting the ladder again.
      const told = timeline.locator('[data-kind="alert"]');
      expect(await told.count()).toBe(4);
      expect(await timeline.locator('[data-kind="escalation"]').count()).toBeGreaterThanOrEqual(8);
      expect(await told.first().innerText()).toContain('negative_spike');
      // Simulated in the page: the run sent nothing to the server.
      expect(apiCalls.slice(before).filter((c) => !c.startsWith('GET '))).toEqual([]);
      // At the end every node on the path is lit; the alert's input and output open on demand.
      expect(await p.getByTestId('node-escalate').getAttribute('data-reached')).toBe('true');
      expect(await p.getByTestId('node-done').getAttribute('data-reached')).toBe('true');
      await told.first().locator('button').click();
      await timeline.getByText('Output').first().click();
      expect(await told.first().locator('pre').innerText()).toContain('"ruleId": "negative_spike"');
      await p.screenshot({ path: `${SHOTS}whatif-end.png` });

      // The scrubber back to the start: only the trigger and the monitor had been reached.
      const scrubber = p.getByTestId('whatif-scrubber');
      // Home, as a keyboard user would: a range input's Home key goes to its minimum.
      await scrubber.focus();
      await p.keyboard.press('Home');
      await expect.poll(() => p.getByTestId('node-escalate').getAttribute('data-reached'), { timeout: SAFETY_NET_MS }).toBe('false');
      expect(await p.getByTestId('node-monitor').getAttribute('data-reached')).toBe('true');
      expect(await p.getByTestId('node-done').getAttribute('data-reached')).toBe('false');
      await p.screenshot({ path: `${SHOTS}whatif-start.png` });
    } finally {
      await ctx.close();
    }
  });

  it("simulates against a campaign's stored metrics, in Chinese, with a spike injected from the form", async () => {
    const owner = await stack.user('Evan Zhou', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
    const imported = await owner.api.post('/api/campaigns/import', SCENARIO);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const campaign = imported.body;
    const { post } = await scenarioIngest(stack, campaign.id, owner.id);
    for (const [from, until] of [
      [0, 360],
      [360, 720],
    ] as const) {
      const res = await post(scenarioRows(from, until));
      expect(res.status, await res.clone().text()).toBe(200);
    }
    expect((await owner.api.put('/api/me/preferences', { locale: 'zh-CN' })).status).toBe(200);
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, owner.email);
      await p.goto(`${stack.url}/#/flows`);
      await p.getByTestId('new-flow').click();
      await p.getByTestId('new-flow-template-crisis-response').check();
      await p.getByTestId('new-flow-create').click();
      await p.getByTestId('node-escalate').waitFor();
      await p.getByTestId('simulate-flow').click();
      const panel = p.getByTestId('whatif-panel');
      await panel.getByLabel('活动已存储的指标').check();
      await panel.locator('#whatif-campaign').selectOption(campaign.id);
      await p.getByTestId('whatif-run').click();
      const summary = p.getByTestId('whatif-summary');
      await summary.waitFor();
      // The stored series is the file's: the same spike, the same ladder.
      expect(await summary.innerText()).toMatch(/^1 条告警，未确认期间重复提醒 3 次，4 次升级到第 2 级，\d+ 次升级到第 3 级，\d+ 条消息$/);

      // A second spike from the form: negative mentions ×15 on 5 June, 10:00–16:00 Beijing time.
      await p.getByTestId('whatif-anomaly').check();
      await p.getByTestId('whatif-anomaly-channel').fill('*');
      await p.getByTestId('whatif-anomaly-metric').fill('negative_mentions');
      await p.getByTestId('whatif-anomaly-factor').fill('15');
      await p.getByTestId('whatif-anomaly-from').fill('2026-06-05T02:00:00Z');
      await p.getByTestId('whatif-anomaly-to').fill('2026-06-05T08:00:00Z');
      await p.getByTestId('whatif-run').click();
      await expect.poll(() => summary.innerText(), { timeout: SAFETY_NET_MS }).toMatch(/^2 条告警/);
      // Every telling is a line: when an alert opened, when its group changed, and each repeat while unacknowledged.
      expect(await p.getByTestId('whatif-timeline').locator('[data-kind="alert"]').count()).toBe(6);
      await p.screenshot({ path: `${SHOTS}whatif-campaign-zh.png` });

      // A bad form value is refused naming its field, and nothing is simulated.
      await p.getByTestId('whatif-anomaly-factor').fill('abc');
      await p.getByTestId('whatif-run').click();
      expect(await p.getByTestId('whatif-error').innerText()).toMatch(/^factor: /);
      expect(await summary.count()).toBe(0);
    } finally {
      await ctx.close();
    }
  });
});
