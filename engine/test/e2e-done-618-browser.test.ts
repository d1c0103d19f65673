/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';
import { launch618 } from '../src/templates/launch-618.ts';

const SHOTS = process.env.FD_SHOTS_DIR || fileURLToPath(new URL('../../.artifacts/done-618/', import.meta.url));
const SCENARIO_CSV = fileURLToPath(new URL('../seed/s618-new-product-launch.metrics.csv', import.meta.url));
const SCENARIO = JSON.parse(readFileSync(fileURLToPath(new URL('../seed/s618-new-product-launch.campaign.json', import.meta.url)), 'utf8'));
/** Where the negative-mentions rule sits in the template's monitor, so the test edits its threshold through the form. */
const SPIKE_RULE = (launch618.graph.nodes.find((n) => n.id === 'monitor')!.config as { rules: { id: string }[] }).rules.findIndex(
  (r) => r.id === 'negative_spike',
);

/**
 * Issue 14's "Done means", in headless Chromium: the "618 launch" template from the gallery, simulated against the
 * 618 scenario (alerts and the crisis escalation on the timeline, the review reached), a threshold changed and the
 * two simulations compared, the change undone with Ctrl+Z, two published versions diffed, and the flow published.
 */
describe('Done means: the 618 launch from the gallery to a published version', () => {
  let stack: TestStack;
  let browser: Browser;
  let owner: Awaited<ReturnType<TestStack['user']>>;
  let campaignId: string;

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e-done-618', { worker: false });
    owner = await stack.user('Evan Zhou', [{ role: 'designer', department: 'E-commerce' }], { department: 'E-commerce' });
    const imported = await owner.api.post('/api/campaigns/import', SCENARIO);
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    campaignId = imported.body.id;
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const shot = (p: Page, name: string) => p.screenshot({ path: `${SHOTS}${name}.png` });

  it('opens the template, simulates it on the 618 scenario, compares a changed threshold, undoes it, diffs and publishes', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    p.on('dialog', (d) => void d.accept());
    try {
      // 1. The gallery: New flow → "618 launch".
      await signIn(p, stack.url, owner.email);
      await p.goto(`${stack.url}/#/flows`);
      await p.getByTestId('new-flow').click();
      const choice = p.getByTestId('new-flow-template-launch-618');
      expect(await choice.locator('xpath=..').innerText()).toContain('618 launch');
      await choice.check();
      await p.getByTestId('new-flow-create').click();
      await p.getByTestId('node-escalate').waitFor();
      expect(await p.getByTestId('flow-name').inputValue()).toBe('618 launch');
      for (const id of ['brand_review', 'finance_approval', 'go_live', 'monitor', 'review'])
        expect(await p.getByTestId(`node-${id}`).count(), id).toBe(1);
      expect(await p.getByTestId('node-escalate').innerText()).toContain('Crisis ladder');
      // Version 1: the template as it ships.
      await p.getByTestId('publish-flow').click();
      await expect.poll(() => p.getByTestId('latest-version').innerText(), { timeout: SAFETY_NET_MS }).toBe('v1');
      await shot(p, '01-template');

      // 2. Simulate against the 618 campaign and its metrics file.
      await p.getByTestId('simulate-flow').click();
      const panel = p.getByTestId('whatif-panel');
      await panel.locator('#whatif-campaign').selectOption(campaignId);
      await p.getByTestId('whatif-file').setInputFiles(SCENARIO_CSV);
      await panel.getByText('s618-new-product-launch.metrics.csv').waitFor();
      await p.getByTestId('whatif-run').click();
      const summary = p.getByTestId('whatif-summary');
      await summary.waitFor();
      const first = await summary.innerText();
      expect(first).toMatch(
        /^\d+ alerts, told again \d+ times while unacknowledged, \d+ escalations to level 2, \d+ escalations to level 3, launch on /,
      );
      expect(await panel.innerText()).toContain('The run completed');
      const timeline = p.getByTestId('whatif-timeline');
      const alerts = timeline.locator('[data-kind="alert"]');
      // The scenario's four anomalies, each with the alert its `expect` names.
      for (const rule of ['ctr_off_3_days', 'cpa_over_benchmark', 'negative_spike', 'no_data'])
        expect(await alerts.filter({ hasText: rule }).count(), rule).toBeGreaterThan(0);
      const escalations = timeline.locator('[data-kind="escalation"]');
      expect(await escalations.count()).toBeGreaterThan(2);
      expect(await escalations.first().innerText()).toContain('Crisis ladder');
      // Launched, watched and reviewed: the review node is lit on the canvas.
      expect(await timeline.locator('[data-kind="launch"]').count()).toBe(1);
      expect(await p.getByTestId('node-review').getAttribute('data-reached')).toBe('true');
      expect(await p.getByTestId('node-done').getAttribute('data-reached')).toBe('true');
      await alerts.filter({ hasText: 'negative_spike' }).first().scrollIntoViewIfNeeded();
      await shot(p, '02-simulated');

      // 3. Change a threshold in the inspector: negative mentions +2000 % instead of +50 %, which the spike never reaches.
      await panel.getByRole('button', { name: 'Close' }).first().click();
      await p.getByTestId('node-monitor').click();
      const by = p.getByTestId(`field-rules.${SPIKE_RULE}.by`);
      expect(await by.inputValue()).toBe('0.5');
      await by.fill('20');
      await by.blur();
      await p.getByTestId('simulate-flow').click();
      // The panel kept its last result while it was closed.
      expect(await summary.innerText()).toBe(first);
      await p.getByTestId('whatif-run').click();
      const compare = p.getByTestId('whatif-compare');
      await compare.waitFor();
      expect(await p.getByTestId('whatif-compare-before').innerText()).toContain(first);
      const diff = p.getByTestId('whatif-diff');
      expect(await diff.locator('[data-diff="removed"]').innerText()).toContain('negative_spike on the campaign');
      expect(await diff.locator('[data-diff="escalations"]').innerText()).toMatch(/Crisis ladder, level 3: \d+ → \d+/);
      expect(await diff.locator('[data-diff="messages"]').innerText()).toContain('Crisis ladder');
      expect(await diff.locator('[data-diff="added"]').count()).toBe(0);
      const changed = await summary.innerText();
      expect(changed).not.toBe(first);
      await compare.scrollIntoViewIfNeeded();
      await shot(p, '03-compared');

      // 4. Undo the change with Ctrl+Z, on the canvas: the rule's threshold is back, and so are the spike's alerts.
      await panel.getByRole('button', { name: 'Close' }).first().click();
      await p.getByTestId('canvas').click({ position: { x: 300, y: 520 } });
      await p.keyboard.press('Control+z');
      await p.getByTestId('node-monitor').click();
      await expect.poll(() => p.getByTestId(`field-rules.${SPIKE_RULE}.by`).inputValue(), { timeout: SAFETY_NET_MS }).toBe('0.5');
      await p.getByTestId('simulate-flow').click();
      await p.getByTestId('whatif-run').click();
      await expect.poll(() => summary.innerText(), { timeout: SAFETY_NET_MS }).toBe(first);
      expect(await p.getByTestId('whatif-compare-before').innerText()).toContain(changed);
      expect(await diff.locator('[data-diff="added"]').innerText()).toContain('negative_spike on the campaign');
      await shot(p, '04-undone');

      // 5. Redo the change and publish it as version 2; diff the two versions: the monitor changed, its threshold named.
      await panel.getByRole('button', { name: 'Close' }).first().click();
      await p.getByTestId('canvas').click({ position: { x: 300, y: 520 } });
      await p.keyboard.press('Control+Shift+z');
      await p.getByTestId('node-monitor').click();
      await expect.poll(() => p.getByTestId(`field-rules.${SPIKE_RULE}.by`).inputValue(), { timeout: SAFETY_NET_MS }).toBe('20');
      await p.getByTestId('save-flow').click();
      await p.getByTestId('publish-flow').click();
      await expect.poll(() => p.getByTestId('latest-version').innerText(), { timeout: SAFETY_NET_MS }).toBe('v2');
      await p.getByTestId('tab-versions').click();
      await p.getByTestId('version-row-2').waitFor();
      await p.getByTestId('pick-version-1').check();
      await p.getByTestId('pick-version-2').check();
      await p.getByTestId('compare-versions').click();
      const dialog = p.getByTestId('diff-dialog');
      const canvas = dialog.getByTestId('diff-canvas');
      await canvas.getByTestId('node-monitor').waitFor();
      expect(await canvas.getByTestId('node-monitor').getAttribute('data-diff')).toBe('changed');
      expect(await canvas.getByTestId('node-escalate').getAttribute('data-diff')).toBeNull();
      const fields = await dialog.getByTestId('diff-changed-monitor').innerText();
      expect(fields).toContain('20');
      expect(fields).toContain('0.5');
      await shot(p, '05-diff');
      await p.keyboard.press('Escape');

      // 6. Published: the server holds both versions, the latest with the changed threshold.
      const versions = await owner.api.get(`/api/flows/${await flowIdOf(p)}/versions`);
      expect(versions.status).toBe(200);
      expect(versions.body.items.map((v: { version: number }) => v.version).sort()).toEqual([1, 2]);
      expect(await p.getByTestId('latest-version').innerText()).toBe('v2');
      await shot(p, '06-published');
    } finally {
      await ctx.close();
    }
  });
});

/** The flow open in the editor, from the page's address (#/flows/<id>). */
async function flowIdOf(p: Page): Promise<string> {
  const id = new URL(p.url()).hash.match(/#\/flows\/([0-9a-f-]{36})/)?.[1];
  if (!id) throw new Error(`No flow id in ${p.url()}`);
  return id;
}
