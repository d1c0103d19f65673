/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { edge, flow, node } from './support/flows.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const SHOTS = process.env.FD_SHOTS || '/tmp/fd/shots/';
const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/versions/', import.meta.url));
const note = (id: string, text: string, x: number) => ({
  id,
  text,
  color: 'yellow',
  position: { x, y: 200 },
  size: { width: 240, height: 120 },
});

/**
 * The Versions tab in headless Chromium on the real API and PostgreSQL: two published versions,
 * compared on the canvas (the changed node amber, the added green, the removed ghosted), a save
 * over someone else's newer one stopped by the conflict dialog, and a rollback. The versions' sticky notes and
 * group frames are drawn on the diff canvas, read-only and marked as the nodes are.
 */
describe('versions in the editor', () => {
  let stack: TestStack;
  let browser: Browser;
  let ada: Awaited<ReturnType<TestStack['user']>>;
  let bob: Awaited<ReturnType<TestStack['user']>>;
  let flowId = '';

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startStack('e2e-versions', { worker: false });
    ada = await stack.user('Ada Designer', [{ role: 'designer', department: null }]);
    bob = await stack.user('Bob Designer', [{ role: 'designer', department: null }]);
    const v1 = {
      ...flow(
        [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '1h' }), node('done', 'control.end')],
        [edge('start', 'next', 'wait'), edge('wait', 'next', 'done')],
      ),
      notes: [note('note_1', 'Ask **legal** first', 0), note('note_old', 'Drop me', 600)],
      groups: [{ id: 'group_1', label: 'Reminder', nodes: ['wait', 'done'] }],
    };
    const v2 = {
      ...flow(
        [node('start', 'trigger.manual'), node('wait', 'control.delay', { duration: '2h' }), node('end2', 'control.end')],
        [edge('start', 'next', 'wait'), edge('wait', 'next', 'end2')],
      ),
      notes: [note('note_1', 'Ask **legal** first', 0), note('note_new', 'Legal signed off', 300)],
      groups: [{ id: 'group_1', label: 'Reminder window', nodes: ['wait', 'end2'] }],
    };
    const created = await ada.api.post('/api/flows', { name: 'Launch reminder', graph: v1 });
    flowId = created.body.id;
    expect((await ada.api.post(`/api/flows/${flowId}/versions`, { note: 'first cut' })).status).toBe(201);
    expect((await bob.api.put(`/api/flows/${flowId}`, { graph: v2 })).status).toBe(200);
    expect((await bob.api.post(`/api/flows/${flowId}/versions`, { note: 'longer wait' })).status).toBe(201);
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('lists both versions, shows the diff on the canvas, stops a stale save, and rolls back', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    p.on('dialog', (d) => void d.accept());
    try {
      await signIn(p, stack.url, ada.email);
      await p.goto(`${stack.url}/#/flows/${flowId}`);
      await p.getByTestId('tab-versions').click();
      const row2 = p.getByTestId('version-row-2');
      await row2.waitFor();
      expect(await row2.innerText()).toContain('Bob Designer');
      expect(await row2.innerText()).toContain('longer wait');
      expect(await p.getByTestId('version-row-1').innerText()).toContain('Ada Designer');

      await p.getByTestId('pick-version-1').check();
      await p.getByTestId('pick-version-2').check();
      await p.getByTestId('compare-versions').click();
      const dialog = p.getByTestId('diff-dialog');
      const canvas = dialog.getByTestId('diff-canvas');
      await canvas.getByTestId('node-wait').waitFor();
      expect(await canvas.getByTestId('node-wait').getAttribute('data-diff')).toBe('changed');
      expect(await canvas.getByTestId('node-end2').getAttribute('data-diff')).toBe('added');
      expect(await canvas.getByTestId('node-done').getAttribute('data-diff')).toBe('removed');
      expect(await canvas.getByTestId('node-start').getAttribute('data-diff')).toBeNull();
      const fields = await dialog.getByTestId('diff-changed-wait').innerText();
      expect(fields).toContain('config.duration');
      expect(fields).toContain('1h');
      expect(fields).toContain('2h');
      // Notes and group frames: drawn read-only (no editing controls, not reachable by Tab), marked like the nodes.
      expect(await canvas.getByTestId('note-note_1').innerText()).toContain('Ask legal first');
      expect(await canvas.getByTestId('note-note_1').getAttribute('data-diff')).toBeNull();
      expect(await canvas.getByTestId('note-note_new').innerText()).toContain('Legal signed off');
      expect(await canvas.getByTestId('note-note_new').getAttribute('data-diff')).toBe('added');
      expect(await canvas.getByTestId('note-note_old').getAttribute('data-diff')).toBe('removed');
      expect(await canvas.getByTestId('frame-group_1').innerText()).toContain('Reminder window');
      expect(await canvas.getByTestId('frame-group_1').getAttribute('data-diff')).toBe('changed');
      expect(await canvas.getByTestId('note-note_1').isVisible()).toBe(true);
      expect(await canvas.getByTestId('frame-group_1').isVisible()).toBe(true);
      expect(await canvas.locator('.fd-note textarea, .fd-note button, .fd-frame input').count()).toBe(0);
      const tabbable = await canvas
        .locator('.react-flow__node-note, .react-flow__node-frame')
        .evaluateAll((els) => els.map((el) => el.getAttribute('tabindex')));
      expect(tabbable).toEqual(expect.not.arrayContaining(['0']));
      // Their text is listed over the canvas's corner too, for keyboard and screen-reader users: a disclosure that takes
      // focus and opens with Enter, the notes read top to bottom and left to right, each with its mark.
      const list = canvas.getByTestId('canvas-notes');
      expect(await list.locator('summary').innerText()).toMatch(/3 notes on this canvas|画布上的便签（3 条）/);
      await list.locator('summary').focus();
      await p.keyboard.press('Enter');
      await expect.poll(() => list.evaluate((d) => (d as HTMLDetailsElement).open), { timeout: SAFETY_NET_MS }).toBe(true);
      expect(await list.locator('li').evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')))).toEqual([
        'canvas-notes-note_1',
        'canvas-notes-note_new',
        'canvas-notes-note_old',
      ]);
      expect(await list.getByTestId('canvas-notes-note_1').innerText()).toContain('Ask legal first');
      expect(await list.getByTestId('canvas-notes-note_1').getAttribute('data-diff')).toBeNull();
      expect(await list.getByTestId('canvas-notes-note_new').innerText()).toMatch(/(Added|新增)\s+Legal signed off/);
      expect(await list.getByTestId('canvas-notes-note_old').innerText()).toMatch(/(Removed|删除)\s+Drop me/);
      await p.screenshot({ path: `${SHOTS}versions-diff.png` });
      await p.screenshot({ path: `${ARTIFACTS}diff-notes-groups.png` });
      await p.keyboard.press('Escape');
      await expect.poll(() => dialog.count(), { timeout: SAFETY_NET_MS }).toBe(0);

      // Bob saves while Ada edits: her save is refused and the dialog says what Bob changed.
      await p.evaluate(() => (window as any).__flightdeck.updateConfig('wait', { duration: '3h' }));
      const bobs = (await bob.api.get(`/api/flows/${flowId}`)).body.graph;
      bobs.nodes[1].config = { duration: '5h' };
      expect((await bob.api.put(`/api/flows/${flowId}`, { graph: bobs })).status).toBe(200);
      await p.getByTestId('save-flow').click();
      const conflict = p.getByTestId('conflict-dialog');
      await conflict.waitFor();
      expect(await conflict.getByTestId('diff-changed-wait').innerText()).toContain('5h');
      await p.screenshot({ path: `${SHOTS}versions-conflict.png` });
      await conflict.getByTestId('conflict-keep').click();
      await expect.poll(() => conflict.count(), { timeout: SAFETY_NET_MS }).toBe(0);
      await expect
        .poll(async () => (await bob.api.get(`/api/flows/${flowId}`)).body.graph.nodes[1].config.duration, { timeout: SAFETY_NET_MS })
        .toBe('3h');

      await p.getByTestId('rollback-1').click();
      const row3 = p.getByTestId('version-row-3');
      await row3.waitFor();
      expect(await row3.innerText()).toContain('Rolled back to v1');
      await expect
        .poll(
          () =>
            p.evaluate(() =>
              (window as any).__flightdeck
                .getFlow()
                .nodes.map((n: { id: string }) => n.id)
                .join(','),
            ),
          {
            timeout: SAFETY_NET_MS,
          },
        )
        .toBe('start,wait,done');
      await p.screenshot({ path: `${SHOTS}versions-rollback.png` });
    } finally {
      await ctx.close();
    }
  });
});
