/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { edgeEnd, expectOnlyNodesInView, inputHandleEnd, launchTestChromium, signIn } from './support/browser.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { largeChain } from './support/flows.ts';
import { SAFETY_NET_MS } from './support/wait-for.ts';
import { EDITOR_TEST_DIST } from '../src/server/start-server.ts';

const SHOTS = process.env.FD_SHOTS_CANVAS || '/tmp/fd/shots-canvas/';
/** The annotations' screenshots, kept with the repository's (ignored) artifacts. */
const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/canvas/', import.meta.url));

type Doc = {
  nodes: { id: string; type: string; label?: string; config: Record<string, unknown>; position: { x: number; y: number } }[];
  edges: { source: string; sourceHandle: string; target: string }[];
  notes?: { id: string; text: string; color: string; position: { x: number; y: number }; size: { width: number; height: number } }[];
  groups?: { id: string; label: string; nodes: string[] }[];
};

/**
 * The canvas's craft in headless Chromium on the real API: drawing, undo and redo (a whole drag
 * is one step), box selection, copy and paste through the clipboard events, a fragment pasted
 * from someone's chat message, delete with its confirmation, auto-layout, Ctrl+K and the
 * shortcuts panel in both languages; sticky notes, group frames, auto-layout around and inside frames, and a pasted
 * fragment whose ids clash.
 */
describe('canvas craft in the editor', () => {
  let stack: TestStack;
  let browser: Browser;
  let ada: Awaited<ReturnType<TestStack['user']>>;

  beforeAll(async () => {
    if (!existsSync(`${EDITOR_TEST_DIST}/index.html`))
      throw new Error('editor/dist-test is missing: `npm test` builds it first (npm run build:test -w @flightdeck/editor)');
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync(ARTIFACTS, { recursive: true });
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

      // Each node wears its type's colour (the catalogue's) and its icon.
      const looks = await p.getByTestId(`node-${check}`).evaluate((n) => ({
        border: getComputedStyle(n).borderTopColor,
        icon: n.querySelectorAll('.fd-node__icon svg path').length,
      }));
      expect(looks.border).toBe('rgb(217, 119, 6)');
      expect(looks.icon).toBeGreaterThan(0);

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
  it('writes a sticky note, groups nodes in a frame that moves them, pastes a clashing fragment, tidies up around the frames', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, ada.email);
      await p.goto(stack.url);
      await p.getByTestId('new-flow').click();
      await p.getByTestId('new-flow-name').fill('Canvas annotations');
      await p.getByTestId('new-flow-create').click();
      await p.locator('[data-type="trigger.manual"]').waitFor();
      const start = await idOf(p, 'trigger.manual');
      const [check, yes, no] = await p.evaluate((s) => {
        const api = (window as any).__flightdeck;
        const ids = [
          api.addNode('control.condition', { x: 360, y: 200 }),
          api.addNode('control.end', { x: 680, y: 80 }),
          api.addNode('control.end', { x: 680, y: 320 }),
        ] as string[];
        api.connect(s, 'next', ids[0]);
        api.connect(ids[0], 'true', ids[1]);
        api.connect(ids[0], 'false', ids[2]);
        return ids as [string, string, string];
      }, start);
      await p.locator('.react-flow__controls-fitview').click();

      // A note from the toolbar opens for typing; Escape shows it rendered (a heading, a list item, bold text).
      await p.getByTestId('add-note').click();
      const text = p.locator('textarea[data-testid$="-text"]');
      await text.fill('# Legal first\n- ask **Leo** before launch');
      await text.press('Escape');
      const noteId = (await getFlow(p)).notes![0]!.id;
      const body = p.getByTestId(`note-${noteId}-body`);
      expect(await body.locator('h4').innerText()).toBe('Legal first');
      expect(await body.locator('strong').innerText()).toBe('Leo');
      await p.getByTestId(`note-${noteId}-color-blue`).click();
      expect((await getFlow(p)).notes).toMatchObject([{ id: noteId, text: '# Legal first\n- ask **Leo** before launch', color: 'blue' }]);
      // Undo takes back the colour, then the text, then the note; redo brings all back. The flow's nodes never change.
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).notes![0]!.color).toBe('yellow');
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).notes![0]!.text).toBe('');
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).notes).toBeUndefined();
      for (let i = 0; i < 3; i++) await p.keyboard.press('Control+Shift+z');
      expect((await getFlow(p)).notes).toMatchObject([{ text: '# Legal first\n- ask **Leo** before launch', color: 'blue' }]);
      expect(await count(p)).toBe('4/3');

      // Dragged by its bar out of the way, to the canvas's lower left.
      const bar = (await p.locator(`[data-testid="note-${noteId}"] .fd-note__bar`).boundingBox())!;
      const pane = (await p.getByTestId('canvas').boundingBox())!;
      const at0 = (await getFlow(p)).notes![0]!.position;
      await p.mouse.move(bar.x + 30, bar.y + bar.height / 2);
      await p.mouse.down();
      await p.mouse.move(pane.x + 120, pane.y + pane.height - 260, { steps: 10 });
      await p.mouse.up();
      await expect.poll(async () => (await getFlow(p)).notes![0]!.position, { timeout: SAFETY_NET_MS }).not.toEqual(at0);

      // Resizing by the corner is saved with the note, as one step.
      const size0 = (await getFlow(p)).notes![0]!.size;
      await p.getByTestId(`note-${noteId}-body`).click();
      const corner = (await p.locator('.react-flow__node-note .react-flow__resize-control.handle.bottom.right').boundingBox())!;
      await p.mouse.move(corner.x + corner.width / 2, corner.y + corner.height / 2);
      await p.mouse.down();
      await p.mouse.move(corner.x + 80, corner.y + 60, { steps: 8 });
      await p.mouse.up();
      await expect.poll(async () => (await getFlow(p)).notes![0]!.size.width, { timeout: SAFETY_NET_MS }).toBeGreaterThan(size0.width);
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).notes![0]!.size).toEqual(size0);
      await p.keyboard.press('Control+Shift+z');

      // Select the condition and both ends (Ctrl+click) and group them with Ctrl+G: a labelled frame around them.
      await p.getByTestId(`node-${check}`).click();
      await p.getByTestId(`node-${yes}`).click({ modifiers: ['Control'] });
      await p.getByTestId(`node-${no}`).click({ modifiers: ['Control'] });
      await expect.poll(() => p.locator('.react-flow__node-flow.selected').count(), { timeout: SAFETY_NET_MS }).toBe(3);
      await p.keyboard.press('Control+g');
      await expect
        .poll(async () => (await getFlow(p)).groups?.[0]?.nodes.sort(), { timeout: SAFETY_NET_MS })
        .toEqual([check, yes, no].sort());
      const groupId = (await getFlow(p)).groups![0]!.id;
      await p.getByTestId(`frame-${groupId}-label`).fill('Branches');
      expect((await getFlow(p)).groups![0]!.label).toBe('Branches');

      // Dragging the frame moves every member by the same amount, as one undo step; the trigger stays.
      const before = new Map((await getFlow(p)).nodes.map((n) => [n.id, n.position]));
      const frame = (await p.getByTestId(`frame-${groupId}`).boundingBox())!;
      await p.mouse.move(frame.x + frame.width - 16, frame.y + 14);
      await p.mouse.down();
      await p.mouse.move(frame.x + frame.width + 64, frame.y + 94, { steps: 12 });
      await p.mouse.up();
      const after = new Map((await getFlow(p)).nodes.map((n) => [n.id, n.position]));
      const dx = after.get(check)!.x - before.get(check)!.x;
      const dy = after.get(check)!.y - before.get(check)!.y;
      expect(dx).toBeGreaterThan(0);
      expect(dy).toBeGreaterThan(0);
      for (const id of [yes, no]) expect(after.get(id)).toEqual({ x: before.get(id)!.x + dx, y: before.get(id)!.y + dy });
      expect(after.get(start)).toEqual(before.get(start));
      await p.screenshot({ path: `${ARTIFACTS}01-note-and-group.png` });
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).nodes.find((n) => n.id === no)!.position).toEqual(before.get(no));
      await p.keyboard.press('Control+Shift+z');

      // Ungroup (the frame is selected after its drag): the frame goes, the nodes stay where they are; undo restores it.
      await p.getByTestId(`frame-${groupId}`).click({ position: { x: frame.width - 16, y: 14 } });
      await p.keyboard.press('Control+Shift+g');
      await expect.poll(async () => (await getFlow(p)).groups, { timeout: SAFETY_NET_MS }).toBeUndefined();
      expect(await count(p)).toBe('4/3');
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).groups).toMatchObject([{ id: groupId, label: 'Branches' }]);

      // Tidy up with a group: its members are laid out together inside their frame, which is drawn around them again,
      // and the trigger lands off the frame. The note dragged onto the frame moves with it (its offset from the members'
      // corner is kept). The whole layout is one undo step; two undos then put the note and the layout back as they were.
      await p.locator('.react-flow__controls-fitview').click();
      const branchesBox = (await p.getByTestId(`frame-${groupId}`).boundingBox())!;
      const notesHome = (await getFlow(p)).notes!.map((n) => n.position);
      const noteBar = (await p.locator(`[data-testid="note-${noteId}"] .fd-note__bar`).boundingBox())!;
      await p.mouse.move(noteBar.x + 30, noteBar.y + noteBar.height / 2);
      await p.mouse.down();
      await p.mouse.move(branchesBox.x + 60, branchesBox.y + 40, { steps: 10 });
      await p.mouse.up();
      await expect.poll(async () => (await getFlow(p)).notes!.map((n) => n.position), { timeout: SAFETY_NET_MS }).not.toEqual(notesHome);
      const unlaid = await getFlow(p);
      await p.getByTestId('auto-layout').click();
      await expect
        .poll(async () => (await getFlow(p)).nodes.find((n) => n.id === check)!.position, { timeout: SAFETY_NET_MS })
        .not.toEqual(unlaid.nodes.find((n) => n.id === check)!.position);
      await expect.poll(() => p.getByTestId('auto-layout').isEnabled(), { timeout: SAFETY_NET_MS }).toBe(true);
      const tidied = await getFlow(p);
      const membersCorner = (f: Doc, members: string[]) => {
        const ps = f.nodes.filter((n) => members.includes(n.id)).map((n) => n.position);
        return { x: Math.min(...ps.map((q) => q.x)), y: Math.min(...ps.map((q) => q.y)) };
      };
      const branchMembers = [check, yes, no];
      const offset = (f: Doc, id: string) => {
        const at = f.notes!.find((n) => n.id === id)!.position;
        const c = membersCorner(f, branchMembers);
        return { x: at.x - c.x, y: at.y - c.y };
      };
      expect(offset(tidied, noteId)).toEqual(offset(unlaid, noteId));
      const boxOf = async (testId: string) => (await p.getByTestId(testId).boundingBox())!;
      const inside = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
        a.x >= b.x - 1 && a.y >= b.y - 1 && a.x + a.width <= b.x + b.width + 1 && a.y + a.height <= b.y + b.height + 1;
      const apart = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
        a.x + a.width <= b.x + 1 || b.x + b.width <= a.x + 1 || a.y + a.height <= b.y + 1 || b.y + b.height <= a.y + 1;
      for (const g of tidied.groups!) {
        const frameBox = await boxOf(`frame-${g.id}`);
        for (const n of tidied.nodes) {
          const nodeBox = await boxOf(`node-${n.id}`);
          if (g.nodes.includes(n.id)) expect(inside(nodeBox, frameBox), `${n.id} inside ${g.label}`).toBe(true);
          else expect(apart(nodeBox, frameBox), `${n.id} off ${g.label}`).toBe(true);
        }
      }
      await p.screenshot({ path: `${ARTIFACTS}04-auto-layout-groups.png` });
      await p.keyboard.press('Control+z');
      const undone = await getFlow(p);
      expect(undone.nodes.map((n) => n.position)).toEqual(unlaid.nodes.map((n) => n.position));
      expect(undone.notes!.map((n) => n.position)).toEqual(unlaid.notes!.map((n) => n.position));
      await p.keyboard.press('Control+Shift+z');
      expect((await getFlow(p)).notes!.map((n) => n.position)).toEqual(tidied.notes!.map((n) => n.position));
      await p.keyboard.press('Control+z');
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).notes!.map((n) => n.position)).toEqual(notesHome);
      expect((await getFlow(p)).nodes.map((n) => n.position)).toEqual(unlaid.nodes.map((n) => n.position));

      // A fragment from a colleague whose ids clash with this flow's: the clashing node is renamed, and so is every
      // reference to it in the pasted configs (CEL, both spellings), its edge and its group; a reference to a node outside
      // the fragment (the trigger) is left as it is.
      const fragment = {
        format: 'flightdeck.fragment/1',
        nodes: [
          { id: check, type: 'control.condition', config: { expression: `nodes.${start}.output.ok == true` }, position: { x: 0, y: 0 } },
          {
            id: 'double_check',
            type: 'control.condition',
            config: { expression: `nodes.${check}.output.x == 1 && nodes["${check}"].output.y == 2` },
            position: { x: 300, y: 0 },
          },
        ],
        edges: [{ source: check, sourceHandle: 'true', target: 'double_check' }],
        notes: [{ id: noteId, text: 'Pasted note', color: 'green', position: { x: 0, y: 160 }, size: { width: 200, height: 100 } }],
        groups: [{ id: groupId, label: 'Pasted pair', nodes: [check, 'double_check'] }],
      };
      await paste(p, JSON.stringify(fragment));
      await expect.poll(() => count(p), { timeout: SAFETY_NET_MS }).toBe('6/4');
      const pasted = await getFlow(p);
      const renamed = pasted.nodes.find((n) => ![start, check, yes, no, 'double_check'].includes(n.id))!;
      expect(renamed.type).toBe('control.condition');
      expect(renamed.config.expression).toBe(`nodes.${start}.output.ok == true`);
      const second = pasted.nodes.find((n) => n.id === 'double_check')!;
      expect(second.config.expression).toBe(`nodes.${renamed.id}.output.x == 1 && nodes["${renamed.id}"].output.y == 2`);
      expect(pasted.edges).toContainEqual(expect.objectContaining({ source: renamed.id, sourceHandle: 'true', target: 'double_check' }));
      expect(pasted.notes!.map((n) => n.text)).toEqual(['# Legal first\n- ask **Leo** before launch', 'Pasted note']);
      expect(new Set(pasted.notes!.map((n) => n.id)).size).toBe(2);
      const pastedGroup = pasted.groups!.find((g) => g.label === 'Pasted pair')!;
      expect(pastedGroup.id).not.toBe(groupId);
      expect(pastedGroup.nodes).toEqual([renamed.id, 'double_check']);
      // The toast says what was renamed.
      await expect.poll(() => p.locator('.fd-toast').last().innerText(), { timeout: SAFETY_NET_MS }).toContain(`${check} → ${renamed.id}`);
      await p.screenshot({ path: `${ARTIFACTS}02-pasted-clashing-fragment.png` });

      // Delete removes a selected note (and nothing else), as one undo step.
      const pastedNote = pasted.notes![1]!.id;
      // The paste left everything it added selected; clear that, then pick the note alone.
      await p.evaluate(() => (window as any).__flightdeck.select(null));
      await p.getByTestId(`note-${pastedNote}-body`).click();
      await expect.poll(() => p.locator('.react-flow__node.selected').count(), { timeout: SAFETY_NET_MS }).toBe(1);
      await p.keyboard.press('Delete');
      await expect.poll(async () => (await getFlow(p)).notes?.map((n) => n.id), { timeout: SAFETY_NET_MS }).toEqual([noteId]);
      expect(await count(p)).toBe('6/4');
      await p.keyboard.press('Control+z');
      expect((await getFlow(p)).notes!.map((n) => n.id)).toEqual([noteId, pastedNote]);

      // Saved with the flow (the server's validator accepts them) and drawn again after a reload.
      await p.getByTestId('save-flow').click();
      await expect.poll(() => p.getByTestId('save-state').getAttribute('data-dirty'), { timeout: SAFETY_NET_MS }).toBe('false');
      const flowId = await p.evaluate(() => (window as any).__flightdeck.getFlowId() as string);
      const stored = await ada.api.get(`/api/flows/${flowId}`);
      expect(stored.body.graph.notes).toHaveLength(2);
      expect(stored.body.graph.groups).toHaveLength(2);
      await p.reload();
      await p.getByTestId(`frame-${pastedGroup.id}`).waitFor();
      await p.getByTestId(`note-${noteId}`).waitFor();
      expect(await p.locator('.react-flow__node-note').count()).toBe(2);

      // The shortcuts panel lists the new keys.
      await p.getByTestId('open-shortcuts').click();
      const help = p.getByTestId('shortcuts-dialog');
      await help.waitFor();
      expect(await help.innerText()).toContain('Shift + Ctrl/⌘ + G');
      // In the language the first test left this account in, either one.
      expect(await help.innerText()).toMatch(/sticky note|便签/);
      await p.screenshot({ path: `${ARTIFACTS}03-shortcuts.png` });
    } catch (e) {
      await p.screenshot({ path: `${ARTIFACTS}failure.png` });
      throw e;
    } finally {
      await ctx.close();
    }
  });
  it('draws only the nodes in view of a large flow, with edges to the rest where their handles turn out to be', async () => {
    // 300 nodes, 24 to a row: wider than the pane at the canvas's smallest zoom, so some are out of view on open.
    const { nodes, edges } = largeChain(300);
    const created = await ada.api.post('/api/flows', { name: 'Large canvas', graph: { schemaVersion: 1, nodes, edges } });
    expect(created.status).toBe(201);

    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, ada.email);
      await p.goto(`${stack.url}/#/flows/${created.body.id}`);
      // The fit centres the flow, so its first columns may be out of view too.
      await p.locator('.react-flow__node').first().waitFor();
      // Fitted to the pane (the flow is far wider than it at zoom 1), and the nodes drawn measured.
      const zoom = () =>
        p.evaluate(() => new DOMMatrixReadOnly(getComputedStyle(document.querySelector('.react-flow__viewport')!).transform).a);
      await expect.poll(zoom, { timeout: SAFETY_NET_MS }).toBeLessThan(0.5);
      const drawn = () => p.evaluate(() => [...document.querySelectorAll<HTMLElement>('.react-flow__node')].map((n) => n.dataset.id!));
      await expect.poll(async () => (await drawn()).length, { timeout: SAFETY_NET_MS }).toBeGreaterThan(20);
      const first = new Set(await drawn());
      expect(first.size).toBeLessThan(300);
      expect((await getFlow(p)).nodes).toHaveLength(300);

      // An edge from a drawn node to one out of view is drawn too, ending where that node's input handle is expected.
      const crossing = edges.findIndex((e) => first.has(e.source) && !first.has(e.target));
      expect(crossing).toBeGreaterThanOrEqual(0);
      const { target } = edges[crossing]!;
      const canvas = p.getByTestId('canvas');
      const endOf = () => edgeEnd(canvas, `e${crossing}`);
      const expected = await endOf();
      expect(expected).not.toBeNull();

      // Panning brings the node into view: it is drawn and measured, and its edge moves to the measured handle, which
      // is where it was expected to within a few pixels.
      const pane = (await canvas.boundingBox())!;
      await p.mouse.move(pane.x + pane.width - 40, pane.y + pane.height - 40);
      await p.mouse.down();
      await p.mouse.move(pane.x + 40, pane.y + pane.height - 40, { steps: 8 });
      await p.mouse.up();
      await p.locator(`[data-testid="node-${target}"]`).waitFor();
      const handleEnd = () => inputHandleEnd(canvas, target);
      const near = (a: { x: number; y: number } | null, b: { x: number; y: number }, px: number) =>
        !!a && Math.abs(a.x - b.x) <= px && Math.abs(a.y - b.y) <= px;
      await expect.poll(async () => near(await endOf(), await handleEnd(), 2), { timeout: SAFETY_NET_MS }).toBe(true);
      const measured = (await endOf())!;
      expect(Math.abs(measured.x - expected!.x)).toBeLessThanOrEqual(6);
      expect(Math.abs(measured.y - expected!.y)).toBeLessThanOrEqual(6);

      // Dragging the node keeps the edge on its measured handle (the estimate is not read again for a moved node).
      const box = (await p.locator(`[data-testid="node-${target}"] .fd-node__head`).boundingBox())!;
      await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await p.mouse.down();
      await p.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2 + 25, { steps: 5 });
      await p.mouse.up();
      await expect.poll(async () => near(await endOf(), await handleEnd(), 2), { timeout: SAFETY_NET_MS }).toBe(true);
      expect(near(await endOf(), measured, 2)).toBe(false);
      await p.screenshot({ path: `${ARTIFACTS}04-large-flow.png` });
    } catch (e) {
      await p.screenshot({ path: `${ARTIFACTS}failure.png` });
      throw e;
    } finally {
      await ctx.close();
    }
  });

  it('draws only the nodes in view when it compares two versions of a large flow', async () => {
    const v1 = largeChain(300);
    const created = await ada.api.post('/api/flows', { name: 'Large diff', graph: v1 });
    expect(created.status).toBe(201);
    const flowId = created.body.id;
    expect((await ada.api.post(`/api/flows/${flowId}/versions`, { note: 'one hour each' })).status).toBe(201);
    // The middle delay waits two hours in the second version.
    const v2 = { ...v1, nodes: v1.nodes.map((n) => (n.id === 'n150' ? { ...n, config: { duration: '2h' } } : n)) };
    expect((await ada.api.put(`/api/flows/${flowId}`, { graph: v2 })).status).toBe(200);
    expect((await ada.api.post(`/api/flows/${flowId}/versions`, { note: 'a longer wait' })).status).toBe(201);

    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ctx.setDefaultTimeout(SAFETY_NET_MS);
    const p = await ctx.newPage();
    try {
      await signIn(p, stack.url, ada.email);
      await p.goto(`${stack.url}/#/flows/${flowId}`);
      await p.getByTestId('tab-versions').click();
      await p.getByTestId('pick-version-1').check();
      await p.getByTestId('pick-version-2').check();
      await p.getByTestId('compare-versions').click();
      const dialog = p.getByTestId('diff-dialog');
      const canvas = dialog.getByTestId('diff-canvas');
      await expectOnlyNodesInView(canvas, v2);
      // The change is listed whether or not its node is in view.
      expect(await dialog.getByTestId('diff-changed-n150').innerText()).toContain('config.duration');
      await p.screenshot({ path: `${ARTIFACTS}05-large-diff.png` });
    } catch (e) {
      await p.screenshot({ path: `${ARTIFACTS}failure.png` });
      throw e;
    } finally {
      await ctx.close();
    }
  });
});
