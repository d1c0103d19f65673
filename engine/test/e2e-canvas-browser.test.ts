/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const SHOTS = process.env.FD_SHOTS_CANVAS || '/tmp/fd/shots-canvas/';

type Doc = {
  nodes: { id: string; type: string; label?: string; position: { x: number; y: number } }[];
  edges: { source: string; sourceHandle: string; target: string }[];
};

/**
 * The canvas's craft in headless Chromium on the real API: drawing, undo and redo (a whole drag
 * is one step), box selection, copy and paste through the clipboard events, a fragment pasted
 * from someone's chat message, delete with its confirmation, auto-layout, Ctrl+K and the
 * shortcuts panel in both languages.
 */
describe('canvas craft in the editor', () => {
  let stack: TestStack;
  let browser: Browser;
  let ada: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack('e2e-canvas', { worker: false });
    ada = await stack.user('Ada Designer', [{ role: 'designer', department: null }]);
    browser = await launchTestChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const getFlow = (p: Page) => p.evaluate(() => (window as any).__flightdeck.getFlow() as Doc);
  const count = async (p: Page) => {
    const f = await getFlow(p);
    return `${f.nodes.length}/${f.edges.length}`;
  };

  async function dragFromPalette(p: Page, type: string, x: number, y: number) {
    await p.getByTestId(`palette-${type}`).dragTo(p.getByTestId('canvas'), { targetPosition: { x, y } });
  }

  async function connect(p: Page, sourceId: string, handle: string, targetId: string) {
    const s = (await p.locator(`[data-testid="node-${sourceId}"] .react-flow__handle.source[data-handleid="${handle}"]`).boundingBox())!;
    const t = (await p.locator(`[data-testid="node-${targetId}"] .react-flow__handle.target`).boundingBox())!;
    await p.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
    await p.mouse.down();
    await p.mouse.move((s.x + t.x) / 2, (s.y + t.y) / 2, { steps: 5 });
    await p.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 5 });
    await p.mouse.up();
  }

  /** A paste of `text`, as the browser raises it on Ctrl+V. */
  const paste = (p: Page, text: string) =>
    p.evaluate((t) => {
      const data = new DataTransfer();
      data.setData('text/plain', t);
      const target = document.activeElement ?? document.body;
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);

  const idOf = async (p: Page, type: string, nth = 0) =>
    (await p.locator(`[data-type="${type}"]`).nth(nth).getAttribute('data-testid'))!.replace('node-', '');

  it('draws, undoes and redoes, copies and pastes, lays out, finds nodes and lists the shortcuts', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, ada.email);
      await p.goto(stack.url);
      await p.getByTestId('new-flow').click();
      await p.getByTestId('new-flow-name').fill('Canvas craft');
      await p.getByTestId('new-flow-create').click();
      await p.locator('[data-type="trigger.manual"]').waitFor();
      const start = await idOf(p, 'trigger.manual');

      // Draw: a condition with two ends, connected by real pointer drags.
      await dragFromPalette(p, 'control.condition', 630, 300);
      await dragFromPalette(p, 'control.end', 860, 110);
      await dragFromPalette(p, 'control.end', 860, 480);
      // The ends landed partly under the inspector: bring everything into view.
      await p.locator('.react-flow__controls-fitview').click();
      const check = await idOf(p, 'control.condition');
      const yes = await idOf(p, 'control.end', 0);
      const no = await idOf(p, 'control.end', 1);
      await connect(p, start, 'next', check);
      await connect(p, check, 'true', yes);
      await connect(p, check, 'false', no);
      expect(await count(p)).toBe('4/3');

      // Undo takes back the last connection, redo puts it back; the toolbar buttons do the same.
      await p.getByTestId('canvas').click({ position: { x: 480, y: 590 } });
      await p.keyboard.press('Control+z');
      expect(await count(p)).toBe('4/2');
      await p.keyboard.press('Control+Shift+z');
      expect(await count(p)).toBe('4/3');
      await p.getByTestId('undo').click();
      expect(await count(p)).toBe('4/2');
      await p.getByTestId('redo').click();
      expect(await count(p)).toBe('4/3');

      // A drag of many frames is one step.
      const before = (await getFlow(p)).nodes.find((n) => n.id === check)!.position;
      const box = (await p.getByTestId(`node-${check}`).boundingBox())!;
      await p.mouse.move(box.x + 40, box.y + 15);
      await p.mouse.down();
      await p.mouse.move(box.x + 140, box.y + 115, { steps: 12 });
      await p.mouse.up();
      const moved = (await getFlow(p)).nodes.find((n) => n.id === check)!.position;
      expect(moved).not.toEqual(before);
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).nodes.find((n) => n.id === check)!.position).toEqual(before);
      await p.keyboard.press('Control+y');
      expect((await getFlow(p)).nodes.find((n) => n.id === check)!.position).toEqual(moved);
      await p.screenshot({ path: `${SHOTS}01-drawn.png` });

      // Shift-drag a box around the condition and both ends, copy, paste: three more nodes, two more edges.
      const boxes = await Promise.all([check, yes, no].map(async (id) => (await p.getByTestId(`node-${id}`).boundingBox())!));
      const left = Math.min(...boxes.map((b) => b.x)) - 6;
      const top = Math.min(...boxes.map((b) => b.y)) - 10;
      const right = Math.max(...boxes.map((b) => b.x + b.width)) + 10;
      const bottom = Math.max(...boxes.map((b) => b.y + b.height)) + 10;
      await p.keyboard.down('Shift');
      await p.mouse.move(left, top);
      await p.mouse.down();
      await p.mouse.move(right, bottom, { steps: 10 });
      await p.mouse.up();
      await p.keyboard.up('Shift');
      await expect.poll(() => p.locator('.react-flow__node.selected').count(), { timeout: 5000 }).toBe(3);
      await p.getByTestId('arrange-tools').waitFor();
      await p.screenshot({ path: `${SHOTS}02-box-selected.png` });
      // Headless Chromium does not turn Ctrl+C / Ctrl+V into clipboard events; a browser does, and the
      // editor listens to those events, so the test raises them itself, with the real clipboard data objects.
      const copied = await p.evaluate(() => {
        const data = new DataTransfer();
        const target = document.activeElement ?? document.body;
        target.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
        return `${data.getData('text/plain')}`;
      });
      expect(copied, await p.evaluate(() => `${document.activeElement?.className} sel=${document.getSelection()}`)).not.toBe('');
      expect(JSON.parse(copied).format).toBe('flightdeck.fragment/1');
      expect(JSON.parse(copied).nodes).toHaveLength(3);
      await paste(p, copied);
      await expect.poll(() => count(p), { timeout: SAFETY_NET_MS }).toBe('7/5');
      const pasted = (await getFlow(p)).nodes.slice(4).map((n) => n.id);
      expect(new Set([...pasted, start, check, yes, no]).size).toBe(7);
      // The paste is one step.
      await p.keyboard.press('Control+z');
      expect(await count(p)).toBe('4/3');
      await p.keyboard.press('Control+Shift+z');
      expect(await count(p)).toBe('7/5');
      await p.screenshot({ path: `${SHOTS}03-pasted.png` });
      // Ctrl+D duplicates the selection (the pasted three), again as one step.
      await p.keyboard.press('Control+d');
      expect(await count(p)).toBe('10/7');
      await p.keyboard.press('Control+z');
      expect(await count(p)).toBe('7/5');

      // A colleague's message with a fragment in a code fence, and an edge to a node it does not include.
      const message = [
        'Try this one:',
        '```',
        JSON.stringify({
          format: 'flightdeck.fragment/1',
          nodes: [
            { id: 'wait_a_day', type: 'control.delay', config: { duration: '1d' }, position: { x: 5000, y: 5000 } },
            { id: start, type: 'control.end', config: {}, position: { x: 5300, y: 5000 } },
          ],
          edges: [
            { source: 'wait_a_day', sourceHandle: 'next', target: start },
            { source: 'wait_a_day', sourceHandle: 'next', target: 'somewhere_else' },
          ],
        }),
        '```',
      ].join('\n');
      await paste(p, message);
      await expect.poll(() => count(p), { timeout: SAFETY_NET_MS }).toBe('9/6');
      const afterChat = await getFlow(p);
      expect(afterChat.nodes.some((n) => n.id === 'wait_a_day')).toBe(true);
      // The clashing id was renamed; the trigger kept its own.
      expect(afterChat.nodes.filter((n) => n.id === start)).toHaveLength(1);
      expect(afterChat.nodes.find((n) => n.id === start)!.type).toBe('trigger.manual');
      // Hostile text is refused without touching the graph.
      await paste(p, JSON.stringify({ format: 'flightdeck.fragment/1', nodes: [{ id: 'constructor', type: 'x' }] }));
      expect(await count(p)).toBe('9/6');

      // Deleting the condition takes three connections with it: it asks first, and one undo brings all back.
      // Selected as a click would (the pasted copies, still selected, lie over it), then the Delete key.
      await p.evaluate((id) => (window as any).__flightdeck.select(id), check);
      await p.keyboard.press('Delete');
      const confirm = p.getByTestId('confirm-delete');
      await confirm.waitFor();
      expect(await confirm.innerText()).toContain('3');
      await p.screenshot({ path: `${SHOTS}04-confirm-delete.png` });
      await p.getByTestId('confirm-delete-ok').click();
      await expect.poll(() => count(p), { timeout: SAFETY_NET_MS }).toBe('8/3');
      await p.keyboard.press('Control+z');
      expect(await count(p)).toBe('9/6');

      // Auto-layout: every edge runs left to right, and the condition's true branch sits above its false one.
      await p.getByTestId('auto-layout').click();
      await expect
        .poll(
          async () => {
            const f = await getFlow(p);
            const at = new Map(f.nodes.map((n) => [n.id, n.position]));
            return f.edges.every((e) => at.get(e.source)!.x < at.get(e.target)!.x) && at.get(yes)!.y < at.get(no)!.y;
          },
          { timeout: SAFETY_NET_MS },
        )
        .toBe(true);
      await expect.poll(() => p.getByTestId('auto-layout').isEnabled(), { timeout: SAFETY_NET_MS }).toBe(true);
      await p.screenshot({ path: `${SHOTS}05-auto-layout.png` });
      // ...and is one undo step.
      const laid = await getFlow(p);
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).nodes.find((n) => n.id === check)!.position).not.toEqual(laid.nodes.find((n) => n.id === check)!.position);
      await p.keyboard.press('Control+Shift+z');

      // Ctrl+K finds the delay by its title and Enter selects it.
      await p.keyboard.press('Control+k');
      const search = p.getByTestId('node-search');
      await search.waitFor();
      await p.getByTestId('node-search-input').fill('delay');
      await p.getByTestId('node-search-wait_a_day').waitFor();
      await p.screenshot({ path: `${SHOTS}06-node-search.png` });
      await p.keyboard.press('Enter');
      await expect.poll(() => search.count(), { timeout: SAFETY_NET_MS }).toBe(0);
      await expect
        .poll(() => p.locator('.react-flow__node.selected [data-testid="node-wait_a_day"]').count(), { timeout: SAFETY_NET_MS })
        .toBe(1);

      // "?" opens the shortcuts, in English and in Chinese.
      await p.getByTestId('canvas').click({ position: { x: 480, y: 590 } });
      await p.keyboard.press('?');
      const help = p.getByTestId('shortcuts-dialog');
      await help.waitFor();
      expect(await help.innerText()).toContain('Ctrl/⌘ + K');
      expect(await help.innerText()).toContain('Undo');
      await p.screenshot({ path: `${SHOTS}07-shortcuts-en.png` });
      await p.keyboard.press('Escape');
      await expect.poll(() => help.count(), { timeout: SAFETY_NET_MS }).toBe(0);
      await p.getByTestId('lang-switch').click();
      await p.getByTestId('open-shortcuts').click();
      await help.waitFor();
      await expect.poll(() => help.innerText(), { timeout: SAFETY_NET_MS }).toContain('撤销');
      await p.screenshot({ path: `${SHOTS}08-shortcuts-zh.png` });
      await p.keyboard.press('Escape');
      await p.keyboard.press('Control+k');
      await p.getByTestId('node-search-input').fill('延时');
      await p.getByTestId('node-search-wait_a_day').waitFor();
      await p.screenshot({ path: `${SHOTS}09-node-search-zh.png` });
    } catch (e) {
      await p.screenshot({ path: `${SHOTS}failure.png` });
      throw e;
    } finally {
      await ctx.close();
    }
  });
});
